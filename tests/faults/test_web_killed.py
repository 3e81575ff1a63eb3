"""The web process killed with SIGKILL in the middle of a request: a money payment, a sweep
assignment, the start of an import and the send of a newsletter.

Each test runs a real ``branchwork serve`` against a database of its own and sends it
requests over HTTP on loopback, as a browser does (a signed-in session, the CSRF cookie). The
server is stopped at the worst moment of the request (a named point of
:mod:`branchwork.core.faults`) and its whole process group killed; it is then started again,
the database is read directly, and the person does what a person does after an error page:
looks, and presses the button again.
"""

from __future__ import annotations

import json

import pytest

from tests.faults.harness import Browser, Database, processes, stop_at_point, wait_for

MONEY = """
import json
from django.utils import timezone
from branchwork.access.models import User
from branchwork.education import services as schools
from branchwork.money import services
from branchwork.org import services as org
from branchwork.org.models import Unit
root = User.objects.create_superuser("root", "root@example.org", "x" * 20)
t1, t2 = User.objects.get(username="treasurer1"), User.objects.get(username="treasurer2")
region = Unit.objects.get(code="R")
unit = org.create_unit(actor=None, parent=region, code="S1", kind="school",
                       name_ko="S1", name_ja="S1", name_en="S1")
school = schools.set_level(actor=root, unit=unit, level="high")
fund = services.create_fund(actor=t1, unit=region, name="援助費", source="本国",
                            purpose="学校", amount=100_000,
                            fiscal_year=services.fiscal_year_of(timezone.localdate()))
services.receive_into_fund(actor=t1, fund=fund, amount=100_000)
allocation = services.create_allocation(actor=t1, fund=fund, title="春")
items = [services.add_grant(actor=t1, allocation=allocation, school=school, amount=10_000).pk
         for _ in range(3)]
services.propose(actor=t1, allocation=allocation)
services.decide(actor=t2, allocation=allocation, approve=True)
print("OUT " + json.dumps({"allocation": allocation.pk, "items": items,
                           "fund_account": fund.account_id}))
"""


@pytest.mark.timeout(180)
def test_a_payment_killed_before_or_after_its_commit_is_made_once(database: Database) -> None:
    db = database
    setup = db.shell(MONEY)
    page = f"/money/allocations/{setup['allocation']}/"
    first, second, third = setup["items"]
    grants = "money_transaction WHERE kind = 'grant'"
    before = {t: db.count(t) for t in ("money_transaction", "money_entry", "access_auditevent")}
    with processes(db) as procs:
        # Killed with the balance read and nothing written: the transaction is rolled back.
        web = procs.web(fault="ledger-after-balance")
        treasurer = web.as_user(db.sessions["treasurer1"])
        assert "Pay" in treasurer.get(page).text
        stop_at_point(
            procs, web.proc, lambda: treasurer.post(page, {"action": "pay", "item": first})
        )
        for table, n in before.items():
            assert db.count(table) == n, table
        assert db.count("money_allocationitem WHERE status = 'paid'") == 0

        # Killed after the commit, before the answer: the person never saw it succeed.
        web = procs.web(fault="pay-before-answer")
        treasurer = web.as_user(db.sessions["treasurer1"])
        stop_at_point(
            procs, web.proc, lambda: treasurer.post(page, {"action": "pay", "item": first})
        )
        assert db.count(grants) == 1
        assert db.rows("SELECT status FROM money_allocationitem WHERE id = %s", (first,)) == [
            ("paid",)
        ]

        # Started again. The page shows the item paid; pressing "Pay" again (the form resent
        # after the error) is refused with a message, and nothing is paid twice.
        web = procs.web()
        treasurer = web.as_user(db.sessions["treasurer1"])
        again = treasurer.post(page, {"action": "pay", "item": first})
        assert again.status == 200 and "This item is already paid." in again.text
        assert db.count(grants) == 1
        paid = treasurer.post(page, {"action": "pay", "item": second})
        assert "The payment is recorded." in paid.text
        assert db.count(grants) == 2
        assert db.count("money_allocationitem WHERE status = 'paid'") == 2
        assert db.count("money_allocationitem WHERE status = 'planned' AND id = %s", (third,))
    # The ledger: two grant payments of four lines each, every transaction balanced, one
    # transaction per paid item, and the fund's account down by exactly what was paid.
    assert db.count("money_entry") == before["money_entry"] + 2 * 4
    assert (
        db.rows(
            "SELECT transaction_id FROM money_entry GROUP BY transaction_id HAVING SUM(amount) <> 0"
        )
        == []
    )
    linked = db.rows(
        "SELECT COUNT(DISTINCT transaction_id) FROM money_allocationitem WHERE status = 'paid'"
    )
    assert linked == [(2,)]
    fund = db.rows(
        "SELECT SUM(amount) FROM money_entry WHERE account_id = %s", (setup["fund_account"],)
    )
    assert fund == [(-100_000 + 20_000,)]  # a credit balance: 80,000 left in the fund
    assert db.count("access_auditevent WHERE action = 'pay'") == 2


SWEEP = """
import json
from django.utils import timezone
from branchwork.access.models import User
from branchwork.care import sweeps
from branchwork.org.models import Unit
from branchwork.people.models import Household, HouseholdMember, Person
branch = Unit.objects.get(code="A")
for i in range(30):
    home = Household.objects.create(unit=branch, address=f"A-{i}")
    person = Person.objects.create(unit=branch, family_name_kanji="金", given_name_kanji=str(i))
    HouseholdMember.objects.create(household=home, person=person, relation="head",
                                   since=timezone.localdate())
officer = User.objects.get(username="officer1")
sweep = sweeps.start_sweep(actor=officer, unit=branch, title="台風後の安否確認")
print("OUT " + json.dumps({"sweep": sweep.pk}))
"""


@pytest.mark.timeout(180)
def test_a_sweep_assignment_killed_before_its_commit_assigns_nobody_and_runs_again_once(
    database: Database,
) -> None:
    db = database
    sweep = db.shell(SWEEP)["sweep"]
    targets = "care_sweeptarget WHERE sweep_id = %s"
    assigned = targets + " AND assigned_to_id IS NOT NULL"
    with processes(db) as procs:
        web = procs.web(fault="sweep-assign-before-commit")
        officer = web.as_user(db.sessions["officer1"])
        stop_at_point(procs, web.proc, lambda: officer.post(f"/sweeps/{sweep}/assign/", {}))
        # Every target was on a list in the killed transaction: none is now.
        assert db.count(targets, (sweep,)) == 30
        assert db.count(assigned, (sweep,)) == 0
        assert db.count("access_auditevent WHERE action = 'assign'") == 0

        web = procs.web()
        officer = web.as_user(db.sessions["officer1"])
        page = officer.get(f"/sweeps/{sweep}/").text
        assert "Put 30 households on officers" in page  # the button, as before
        done = officer.post(f"/sweeps/{sweep}/assign/", {})
        assert "30 households are put on officers&#x27; lists." in done.text
        assert db.count(assigned, (sweep,)) == 30
        lists = db.rows(
            "SELECT assigned_to_id, COUNT(*) FROM care_sweeptarget WHERE sweep_id = %s "
            "GROUP BY assigned_to_id ORDER BY assigned_to_id",
            (sweep,),
        )
        assert [n for _user, n in lists] == [15, 15]  # the two officers of A, evenly

        # Pressed again (the first answer lost): nobody is assigned twice, nothing moves.
        again = officer.post(f"/sweeps/{sweep}/assign/", {})
        assert "0 households are put on officers&#x27; lists." in again.text
        assert "Put 30 households" not in again.text
        assert (
            db.rows(
                "SELECT assigned_to_id, COUNT(*) FROM care_sweeptarget WHERE sweep_id = %s "
                "GROUP BY assigned_to_id ORDER BY assigned_to_id",
                (sweep,),
            )
            == lists
        )
        assert db.count(targets, (sweep,)) == 30
        assert db.count("access_auditevent WHERE action = 'assign'") == 2


def people_file(rows: int) -> bytes:
    """A registry spreadsheet (cp932 CSV, as Japanese offices save them) of distinct people."""
    syllables = "アイウエオカキクケコサシスセソタチツテト"
    lines = ["姓,名,フリガナ,生年月日,郵便番号,住所"]
    for i in range(rows):
        n, kana = i, ""
        while True:
            n, r = divmod(n, len(syllables))
            kana += syllables[r]
            if not n:
                break
        lines.append(
            f"{'金李朴崔鄭'[i % 5]},民{i},キム {kana},{1940 + i % 60}-{1 + i % 12:02d}-"
            f"{1 + i % 28:02d},544-00{i % 40 + 1:02d},大阪市生野区{i // 3}-1"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def upload(officer: Browser, db: Database, data: bytes) -> tuple[int, list[tuple[str, str]]]:
    """Upload a file through the page; the new job and the start form's fields (the detected
    columns, as the page preselects them, and the import button)."""
    answer = officer.post(
        "/imports/new/",
        {"kind": "people", "unit": "A", "on_duplicate": "skip"},
        files={"file": ("registry.csv", data)},
        follow=False,
    )
    assert answer.status == 302, answer.text[-2000:]
    job = int(answer.location.rstrip("/").rsplit("/", 1)[-1])
    raw = db.rows("SELECT mapping FROM imports_importjob WHERE id = %s", (job,))[0][0]
    mapping = raw if isinstance(raw, dict) else json.loads(raw)
    fields = [(f"col{index}", name) for name, index in mapping.items()]
    return job, [*fields, ("on_duplicate", "skip"), ("action", "import")]


ROWS = 120


@pytest.mark.timeout(240)
def test_an_import_started_as_the_web_process_dies_is_not_left_queued_forever(
    database: Database,
) -> None:
    db = database
    with processes(db) as procs:
        web = procs.web(fault="import-before-enqueue")
        officer = web.as_user(db.sessions["officer1"])
        job, start = upload(officer, db, people_file(ROWS))
        # Killed as it hands the job to the task queue: queued, but no task (yet) written.
        stop_at_point(procs, web.proc, lambda: officer.post(f"/imports/{job}/start/", start))
        assert db.count("people_person") == 0
        assert db.tasks("run_import") == []
        # The job is as it was before the button was pressed: not waiting for a task that
        # will never come.
        assert db.rows("SELECT status FROM imports_importjob WHERE id = %s", (job,)) == [("new",)]

        web = procs.web()
        procs.worker()
        officer = web.as_user(db.sessions["officer1"])
        assert "Check (write nothing)" in officer.get(f"/imports/{job}/").text  # startable
        officer.post(f"/imports/{job}/start/", start)
        wait_for(lambda: [s for s, _ in db.tasks("run_import")] == ["SUCCESSFUL"], why="the import")
        assert db.rows("SELECT status FROM imports_importjob WHERE id = %s", (job,)) == [("done",)]
        assert db.count("people_person") == ROWS
        # Pressed again: refused, nothing imported twice.
        again = officer.post(f"/imports/{job}/start/", start)
        assert again.status == 400 and "This import has run" in again.text
        assert db.count("people_person") == ROWS
        assert len(db.tasks("run_import")) == 1


PEOPLE = 12
NEWSLETTER = f"""
import datetime as dt, json
from branchwork.access.models import User
from branchwork.news import services
from branchwork.org.models import Unit
from branchwork.people.models import Consent, Person
branch = Unit.objects.get(code="A")
for i in range({PEOPLE}):
    person = Person.objects.create(unit=branch, family_name_kanji="金", given_name_kanji=str(i),
                                   email=f"p{{i}}@example.jp", languages=["ja"])
    Consent.objects.create(person=person, kind="newsletter", given_on=dt.date(2026, 1, 1),
                           source="form")
officer = User.objects.get(username="officer1")
newsletter = services.draft_newsletter(actor=officer, unit=branch, title_ja="便り",
                                       description_ja="本文")
print("OUT " + json.dumps(newsletter.pk))
"""
STALL = """
import datetime as dt
from branchwork.news.models import Newsletter
beat = Newsletter.objects.get().heartbeat_at
Newsletter.objects.update(heartbeat_at=beat - dt.timedelta(hours=1))
"""


@pytest.mark.timeout(240)
def test_a_newsletter_queued_as_the_web_process_dies_is_resumed_and_sent_once(
    database: Database,
) -> None:
    from tests.news.smtp import start as smtp

    db = database
    newsletter = db.shell(NEWSLETTER)
    controller, keeper = smtp()
    mail = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(controller.port)}
    status = "SELECT status FROM news_newsletter WHERE id = %s"
    try:
        with processes(db) as procs:
            web = procs.web(fault="newsletter-before-enqueue")
            officer = web.as_user(db.sessions["officer1"])
            stop_at_point(
                procs, web.proc, lambda: officer.post(f"/newsletters/{newsletter}/send/", {})
            )
            # Committed (the recipients fixed, one delivery each), the task not written.
            assert db.rows(status, (newsletter,)) == [("queued",)]
            assert db.count("news_delivery WHERE status = 'pending'") == PEOPLE
            assert db.tasks("send_newsletter") == []

            web = procs.web()
            procs.worker(EMAIL_USE_TLS="false", **mail)
            officer = web.as_user(db.sessions["officer1"])
            assert "Send to the rest" not in officer.get(f"/newsletters/{newsletter}/").text
            # Later: the send has not moved, and its page says so and offers to go on (the
            # scheduler's hourly resume_stalled_sends would also hand it back to a worker).
            db.shell(STALL)
            assert "Send to the rest" in officer.get(f"/newsletters/{newsletter}/").text
            resumed = officer.post(f"/newsletters/{newsletter}/resume/", {})
            assert "The send goes on with those not yet sent." in resumed.text
            wait_for(
                lambda: [s for s, _ in db.tasks("send_newsletter")] == ["SUCCESSFUL"],
                why="the send",
            )
    finally:
        controller.stop()
    assert db.rows(status, (newsletter,)) == [("sent",)]
    assert sorted(keeper.recipients()) == sorted(f"p{i}@example.jp" for i in range(PEOPLE))
    assert db.count("news_delivery WHERE status = 'sent'") == PEOPLE
