"""More than one machine: two web processes and two task workers on one PostgreSQL database
(a database of the test's own), as N web and N worker machines would run (PostgreSQL only:
SQLite serves one machine).

Through both web servers at once, officers queue a batch of newsletters, record the outcome
of every household of a sweep (two officers, the same households, one through each server)
and pay the items of an allocation (each item paid through both servers at the same moment).
The two workers share the sends: a barrier in the SMTP server holds the first message until
two sends are under way at once, which only two workers can make. Nothing is done twice:
every message reaches each recipient once, each household has one outcome, each item one
payment.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.faults.harness import Browser, Database, Response, processes, wait_for
from tests.news.smtp import Keeper, free_port

PEOPLE, LETTERS, HOMES, ITEMS = 10, 8, 20, 6
SETUP = f"""
import datetime as dt, json
from django.utils import timezone
from branchwork.access.models import User
from branchwork.care import sweeps
from branchwork.education import services as schools
from branchwork.money import services as money
from branchwork.news import services as news
from branchwork.org import services as org
from branchwork.org.models import Unit
from branchwork.people.models import Consent, Household, HouseholdMember, Person
branch, region = Unit.objects.get(code="A"), Unit.objects.get(code="R")
officer = User.objects.get(username="officer1")
t1, t2 = User.objects.get(username="treasurer1"), User.objects.get(username="treasurer2")
for i in range({PEOPLE}):
    person = Person.objects.create(unit=branch, family_name_kanji="金", given_name_kanji=str(i),
                                   email=f"p{{i}}@example.jp", languages=["ja"])
    Consent.objects.create(person=person, kind="newsletter", given_on=dt.date(2026, 1, 1),
                           source="form")
letters = [news.draft_newsletter(actor=officer, unit=branch, title_ja=f"便り{{n}}",
                                 description_ja="本文").pk for n in range({LETTERS})]
for i in range({HOMES}):
    home = Household.objects.create(unit=branch, address=f"A-{{i}}")
    HouseholdMember.objects.create(household=home, relation="head", since=timezone.localdate(),
                                   person=Person.objects.create(unit=branch,
                                                                family_name_kanji="朴"))
sweep = sweeps.start_sweep(actor=officer, unit=branch, title="安否確認")
sweeps.assign_targets(actor=officer, sweep=sweep)
root = User.objects.create_superuser("root", "root@example.org", "x" * 20)
unit = org.create_unit(actor=None, parent=region, code="S1", kind="school",
                       name_ko="S1", name_ja="S1", name_en="S1")
school = schools.set_level(actor=root, unit=unit, level="high")
fund = money.create_fund(actor=t1, unit=region, name="援助費", source="本国", purpose="学校",
                         fiscal_year=money.fiscal_year_of(timezone.localdate()), amount=60_000)
money.receive_into_fund(actor=t1, fund=fund, amount=60_000)
allocation = money.create_allocation(actor=t1, fund=fund, title="春")
items = [money.add_grant(actor=t1, allocation=allocation, school=school, amount=10_000).pk
         for _ in range({ITEMS})]
money.propose(actor=t1, allocation=allocation)
money.decide(actor=t2, allocation=allocation, approve=True)
print("OUT " + json.dumps({{"letters": letters, "targets": list(sweep.targets.values_list(
    "pk", flat=True)), "allocation": allocation.pk, "items": items}}))
"""


class TwoAtOnce(Keeper):
    """Holds the first message until two SMTP sessions are sending at once. A worker holds
    one session at a time (one newsletter), so two at once are two workers at work."""

    def __init__(self) -> None:
        super().__init__()
        self.sending: set[int] = set()
        self.open = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.sending.add(id(session))
        for _ in range(3000):  # at most 30 s, then on (the test then fails on the sharing)
            if self.open or len(self.sending) >= 2:
                break
            await asyncio.sleep(0.01)
        self.open = True
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_two_web_processes_and_two_workers_share_the_work_and_do_nothing_twice(
    database: Database,
) -> None:
    db = database
    setup = db.shell(SETUP)
    keeper = TwoAtOnce()
    controller = Controller(keeper, hostname="127.0.0.1", port=free_port())
    controller.start()
    mail = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(controller.port)}
    try:
        with processes(db) as procs:
            webs = [procs.web(ready=False), procs.web(ready=False)]
            for name in ("w1", "w2"):
                procs.worker(worker_id=name, EMAIL_USE_TLS="false", **mail)
            for web in webs:
                web.wait_ready()
            officers = [
                webs[0].as_user(db.sessions["officer1"]),
                webs[1].as_user(db.sessions["officer2"]),
            ]
            treasurers = [
                webs[0].as_user(db.sessions["treasurer1"]),
                webs[1].as_user(db.sessions["treasurer2"]),
            ]
            page = f"/money/allocations/{setup['allocation']}/"
            requests: list[tuple[Browser, str, dict[str, str]]] = []
            for i, pk in enumerate(setup["letters"]):
                requests.append((officers[i % 2], f"/newsletters/{pk}/send/", {}))
            for pk in setup["targets"]:  # every household, by both officers
                path = f"/sweeps/targets/{pk}/record/"
                requests += [(o, path, {"outcome": "ok"}) for o in officers]
            for pk in setup["items"]:  # every item, through both servers
                requests += [(t, page, {"action": "pay", "item": str(pk)}) for t in treasurers]
            start = threading.Barrier(8)

            def send(n: int) -> tuple[int, Response]:
                browser, path, fields = requests[n]
                if n < 8:
                    start.wait(timeout=30)  # the first eight leave together
                return browser.web.port, browser.post(path, fields, follow=False)

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(send, range(len(requests))))
            assert all(a.status == 302 for _port, a in answers), [
                (a.status, a.text[-500:]) for _p, a in answers if a.status != 302
            ]
            served = Counter(port for port, _ in answers)
            assert set(served) == {web.port for web in webs}  # both servers answered

            wait_for(
                lambda: [s for s, _ in db.tasks("send_newsletter")].count("SUCCESSFUL") == LETTERS,
                why="the sends",
                timeout=120,
            )
    finally:
        controller.stop()

    # The sends: each run once, by one worker, and both workers ran some.
    runs = db.tasks("send_newsletter")
    assert len(runs) == LETTERS and all(len(workers) == 1 for _s, workers in runs)
    assert {workers[0] for _s, workers in runs} == {"w1", "w2"}
    # Every recipient received each newsletter once.
    got = Counter((str(m["Subject"]), to) for tos, m in keeper.messages for to in tos)
    assert len(got) == PEOPLE * LETTERS and set(got.values()) == {1}
    assert db.count("news_delivery WHERE status = 'sent'") == PEOPLE * LETTERS
    assert db.count("news_newsletter WHERE status = 'sent'") == LETTERS

    # Each household recorded once (the first officer's result stands), counted once.
    assert db.count("care_sweeptarget WHERE outcome = 'ok' AND attempts = 1") == HOMES
    assert db.count("care_sweeptarget WHERE outcome <> 'ok' OR attempts <> 1") == 0
    recorded = db.rows(
        "SELECT COUNT(*) FROM access_auditevent WHERE action = 'update' "
        "AND object_type = 'care.sweeptarget'"
    )
    assert recorded == [(HOMES,)]

    # Each item paid once: one transaction each, every transaction balanced.
    assert db.count("money_transaction WHERE kind = 'grant'") == ITEMS
    assert db.count("money_allocationitem WHERE status = 'paid'") == ITEMS
    assert db.rows(
        "SELECT COUNT(DISTINCT transaction_id) FROM money_allocationitem WHERE status = 'paid'"
    ) == [(ITEMS,)]
    assert (
        db.rows(
            "SELECT transaction_id FROM money_entry GROUP BY transaction_id HAVING SUM(amount) <> 0"
        )
        == []
    )
