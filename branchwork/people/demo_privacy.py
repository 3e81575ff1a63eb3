"""Demo data for the data's life: two retention rules and a few provisions to third parties.

Called by the demo builder for the small demo. Fictional recipients; deterministic for ``rng``.
Written directly (like the rest of the demo), not through the services: there is no actor.
"""

from __future__ import annotations

import datetime as dt
import random

from .models import (
    Consent,
    ConsentKind,
    Person,
    Provision,
    ProvisionBasis,
    ProvisionKind,
    RetentionKind,
    RetentionRule,
)

RULES = [
    (RetentionKind.FORMER_MEMBER, 5, "協会規程第12条: 退会後5年 (架空)"),
    (RetentionKind.DECEASED, 10, "協会規程第12条: 死亡後10年 (架空)"),
]
# recipient, kind, basis, purpose, items
PROVISIONS = [
    (
        "同胞生活相談センター (架空)",
        ProvisionKind.REFERRAL,
        ProvisionBasis.CONSENT,
        "生活相談の引き継ぎ",
        ["family_name_kanji", "given_name_kanji", "phone", "address"],
    ),
    (
        "みなと区役所 福祉課 (架空)",
        ProvisionKind.REFERRAL,
        ProvisionBasis.LAW,
        "災害時の安否確認 (避難行動要支援者名簿)",
        ["family_name_kanji", "given_name_kanji", "birth_date", "address", "phone"],
    ),
    (
        "さくら総合病院 (架空)",
        ProvisionKind.OTHER,
        ProvisionBasis.VITAL,
        "救急搬送時の家族への連絡",
        ["family_name_kanji", "given_name_kanji", "mobile"],
    ),
    (
        "同胞生活相談センター (架空)",
        ProvisionKind.EXPORT,
        ProvisionBasis.CONSENT,
        "奨学金の申請書類",
        ["family_name_hangul", "given_name_hangul", "birth_date", "email"],
    ),
]


def add_privacy_demo(today: dt.date, rng: random.Random) -> dict[str, int]:
    """Add the retention rules (if not set) and, once, a few provisions; return what was added."""
    rules = 0
    for rule_kind, years, note in RULES:
        _rule, created = RetentionRule.objects.get_or_create(
            kind=rule_kind, defaults={"years": years, "active": True, "note": note}
        )
        rules += int(created)
    if Provision.objects.exists():
        return {"rules": rules, "provisions": 0}
    candidates = list(
        Person.objects.filter(erased_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "unit_id")[:500]
    )
    if not candidates:
        return {"rules": rules, "provisions": 0}
    chosen = rng.sample(candidates, k=min(len(PROVISIONS), len(candidates)))
    made = []
    for (person_id, unit_id), (recipient, kind, basis, purpose, items) in zip(
        chosen, PROVISIONS, strict=False
    ):
        provided_on = today - dt.timedelta(days=rng.randint(10, 400))
        consent = None
        if basis == ProvisionBasis.CONSENT:
            consent = Consent.objects.create(
                person_id=person_id,
                kind=ConsentKind.SHARE,
                partner=recipient,
                given_on=provided_on - dt.timedelta(days=rng.randint(1, 60)),
                source="相談受付票 (架空)",
            )
        made.append(
            Provision(
                person_id=person_id,
                unit_id=unit_id,
                kind=kind,
                recipient=recipient,
                purpose=purpose,
                items=items,
                basis=basis,
                consent=consent,
                provided_on=provided_on,
            )
        )
    Provision.objects.bulk_create(made)
    return {"rules": rules, "provisions": len(made)}
