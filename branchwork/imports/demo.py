"""The demo's imports: the branch officer's spreadsheet of new residents, already imported with
its report (rows held for a decision among them), and a second file uploaded and waiting for
its columns to be checked, so both the report and the preview can be seen at once."""

from __future__ import annotations

import csv
import io
import random

from branchwork.access.models import Grant
from branchwork.org.demo_data import GIVEN_SYLLABLES, SURNAMES
from branchwork.people.models import Household, Person

from . import services
from .models import ImportJob

HEADER = ["氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "携帯", "続柄", "会員区分"]
_ERAS = (("昭和", 1925), ("平成", 1988))


def _sheet(rng: random.Random, codes: list[tuple[str, str]], known: list[Person]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(24):
        code, address = codes[n // 2 % len(codes)]
        surname = rng.choice(SURNAMES)
        given = rng.sample(GIVEN_SYLLABLES, 2)
        female = rng.random() < 0.5
        era, base = rng.choice(_ERAS)
        year = rng.randint(10, 60) if era == "昭和" else rng.randint(1, 20)
        birth = f"{era}{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        if n % 3 == 1:
            birth = f"{base + year}/{rng.randint(1, 12)}/{rng.randint(1, 28)}"
        postal = f"〒{code[:3]}-{code[3:]}" if n % 2 else code
        writer.writerow(
            [
                f"{surname[1]} {given[0][1]}{given[1][1]}",
                f"{surname[2]} {given[0][2]}{given[1][2]}",
                "女" if female else "男",
                birth,
                postal,
                f"{address}{n // 2 + 1}-{n // 2 % 5 + 1}",
                f"090-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}" if n % 4 else "",
                "世帯主" if n % 2 == 0 else "妻" if female else "夫",
                "会員" if rng.random() < 0.6 else "",
            ]
        )
    writer.writerow(
        ["鄭 美子", "チョン ミジャ", "女", "昭和64年2月1日", codes[0][0], "1-1", "", "", ""]
    )
    writer.writerow(["", "", "", "1990-01-01", codes[0][0], "2-2", "", "", ""])
    for person in known[:3]:  # residents already recorded, one with a new mobile number
        writer.writerow(
            [
                f"{person.family_name_kanji} {person.given_name_kanji}",
                f"{person.family_name_kana} {person.given_name_kana}",
                "女" if person.sex == "female" else "男",
                person.birth_date.isoformat() if person.birth_date else "",
                person.postal_code,
                person.address,
                "080-0000-1111" if person is known[0] else "",
                "",
                "",
            ]
        )
    return out.getvalue().encode("cp932", errors="replace")


def add_import_demo(rng: random.Random) -> int:
    """Once: the branch officer's two spreadsheets. Returns the jobs added."""
    if ImportJob.objects.exists():
        return 0
    grant = Grant.objects.filter(user__username="branch-officer").select_related("unit", "user")
    first = grant.first()
    if first is None:
        return 0
    unit, user = first.unit, first.user
    homes = list(
        Household.objects.filter(unit__path__startswith=unit.path)
        .exclude(postal_code="")
        .order_by("pk")
        .values_list("postal_code", "address")[:6]
    )
    if not homes:
        return 0
    codes = [(code, address.rstrip("0123456789-")) for code, address in homes]
    known = list(
        Person.objects.filter(unit__path__startswith=unit.path, birth_date__isnull=False)
        .exclude(family_name_kanji="")
        .exclude(family_name_kana="")
        .order_by("pk")[:3]
    )
    data = _sheet(rng, codes, known)
    job = services.create_import(
        actor=user,
        kind="people",
        filename="新入会員名簿.csv",
        data=data,
        unit=unit,
        on_duplicate="ask",
    )
    services.run(job)
    services.create_import(actor=user, kind="people", filename="秋の名簿.csv", data=data, unit=unit)
    return 2
