"""Pages of money: a unit's accounts, dues and arrears, donations and receipts, transfers,
funds and their allocations (four eyes), the ledger, statements and reports. Every page needs
the money permission on its unit (a unit the user cannot handle money for is not found)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core import faults
from branchwork.core.dates import chosen_year, year_choices
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.core.forms import apply_errors, submit
from branchwork.education.models import School
from branchwork.imports.paper import document_lang
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for, unit_in_scope
from branchwork.people.selectors import get_person_for, person_in_scope

from . import ledger, selectors, services
from .forms import (
    AllocationForm,
    DonationForm,
    DuesForm,
    FundForm,
    GrantForm,
    PerPupilForm,
    RateForm,
    ReasonForm,
    ReceiveForm,
    StipendForm,
    TransferForm,
)
from .models import Allocation, AllocationItem, AllocationStatus, DuesRate, ItemKind

# Units whose members pay dues to them: the association and its affiliated bodies.
BODY_KINDS = ("federation", "womens_union", "youth_league", "business_association")

PAGE = 50


def _money_unit(request: HttpRequest, code: str) -> Unit:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("money", unit):
        raise Http404
    return unit


def _year(request: HttpRequest) -> int:
    return chosen_year(request.GET.get("year"), selectors.this_fiscal_year())


def _years(year: int) -> list[int]:
    return year_choices(selectors.this_fiscal_year(), year)


def _run(request: HttpRequest, form: Any, fn: Callable[[dict[str, Any]], Any], ok: str) -> Any:
    """Call a service with a valid form's data (``core.forms.submit``); what it returned, or
    None with its refusals on the form."""
    done = submit(request, form, fn, success=ok)
    return done.result if done else None


def download(
    request: HttpRequest,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unit_id: int | None,
) -> HttpResponse:
    """A report as CSV (UTF-8 with a byte order mark) or XLSX, audited as an export."""
    from branchwork.imports.export_writers import CsvSink, XlsxSink

    fmt = request.GET.get("format", "csv")
    out = io.BytesIO()
    sink: Any = XlsxSink(out, name) if fmt == "xlsx" else CsvSink(out, "utf-8-sig")
    sink.header(list(header))
    for row in rows:
        sink.row(list(row))
    sink.close()
    audit.record(
        actor=request.user,
        action="export",
        object_type="money.report",
        object_id=name,
        unit_id=unit_id,
    )
    if fmt == "xlsx":
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ext = "xlsx"
    else:
        kind, ext = "text/csv; charset=utf-8", "csv"
    response = HttpResponse(out.getvalue(), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


def _in(lang: str, text: str) -> str:
    """A printed document's title in the document's language."""
    from django.utils import translation

    with translation.override(lang):
        return _(text)


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --------------------------------------------------------------------------------------------
# A unit's money
# --------------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_money(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    recent = (
        selectors.visible_transactions(request.user)
        .filter(entries__account__unit=unit)
        .distinct()
        .order_by("-booked_on", "-pk")[:20]
    )
    return render(
        request,
        "money/unit_money.html",
        {
            "unit": unit,
            "accounts": selectors.unit_accounts(request.user, unit),
            "recent": recent,
            "waiting": selectors.approvals_waiting(request.user).filter(fund__unit=unit),
        },
    )


@login_required
@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_account_for(request.user, pk)
    entries = selectors.entries_of(request.user, account)
    return render(
        request,
        "money/account.html",
        {
            "account": account,
            "unit": account.unit,
            "balance": ledger.balance(account),
            "page": Paginator(entries, PAGE).get_page(request.GET.get("page")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tx = selectors.get_transaction_for(request.user, pk)
    may_reverse = scope_for(request.user).has("money", tx.unit)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if not may_reverse:
            return render(request, "403.html", status=403)
        done = _run(
            request,
            form,
            lambda d: services.reverse(actor=request.user, tx=tx, reason=d["reason"]),
            _("The transaction is reversed."),
        )
        if done:
            return redirect("money:transaction", pk=done.pk)
    visible = {
        a.pk for a in selectors.visible_accounts(request.user).filter(entries__transaction=tx)
    }
    return render(
        request,
        "money/transaction.html",
        {
            "tx": tx,
            "entries": tx.entries.select_related("account", "account__unit").order_by("pk"),
            "visible": visible,
            "reversed_by": getattr(tx, "reversed_by", None),
            "form": form if may_reverse and tx.kind != "reversal" else None,
        },
    )


# --------------------------------------------------------------------------------------------
# Dues
# --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_dues(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    year = _year(request)
    scope = scope_for(request.user)
    # Rates are set by the administrators of a body members belong to (the association, or
    # an affiliated body) who also hold the money permission there.
    may_set_rates = unit.kind in BODY_KINDS and scope.has("admin", unit)
    action = request.POST.get("action", "record")
    form = DuesForm(request.POST if action == "record" else None, initial={"fiscal_year": year})
    rate_form = RateForm(
        request.POST if action == "rate" else None, initial={"fiscal_year": year}, prefix="rate"
    )
    if request.method == "POST" and action == "rate":
        if not may_set_rates:
            return render(request, "403.html", status=403)
        done = _run(
            request,
            rate_form,
            lambda d: services.set_dues_rate(actor=request.user, body=unit, **d),
            _("The dues rate is saved."),
        )
        if done:
            return redirect(f"{request.path}?year={year}")
    elif request.method == "POST":

        def run(d: dict[str, Any]) -> Any:
            person = person_in_scope(request.user, d["person"], "person")
            return services.record_dues(
                actor=request.user,
                person=person,
                fiscal_year=d["fiscal_year"],
                amount=d["amount"],
                received_on=d.get("received_on"),
            )

        try:
            done = _run(request, form, run, _("The dues payment is recorded."))
        except PermissionDeniedError:
            apply_errors(
                form, invalid("person", _("You cannot record money for this member's branch."))
            )
            done = None
        if done:
            return redirect(f"{request.path}?year={year}")
    rows = selectors.dues_by_branch(request.user, unit, year)
    if request.GET.get("format"):
        return download(
            request,
            f"dues-{unit.code}-{year}",
            [_("Branch"), _("Members"), _("Expected"), _("Collected"), _("Members who paid")],
            [
                [
                    r["unit"].name if r["unit"] else "",
                    r["members"],
                    r["expected"],
                    r["collected"],
                    r["payers"],
                ]
                for r in rows
            ],
            unit_id=unit.pk,
        )
    return render(
        request,
        "money/dues.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(year),
            "rows": rows,
            "rates": DuesRate.objects.filter(body=unit, fiscal_year=year).order_by("status"),
            "rate_form": rate_form if may_set_rates else None,
            "form": form,
            "totals": {
                k: sum(r[k] for r in rows) for k in ("members", "expected", "collected", "payers")
            },
        },
    )


@login_required
@require_GET
def unit_arrears(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    year = _year(request)
    people = selectors.arrears(request.user, unit, year)
    if request.GET.get("format"):
        return download(
            request,
            f"arrears-{unit.code}-{year}",
            [_("Person number"), _("Name"), _("Unit"), _("Owed"), _("Paid")],
            ([p.pk, p.display_name, p.unit.name, p.owed, p.paid] for p in people.iterator()),
            unit_id=unit.pk,
        )
    return render(
        request,
        "money/arrears.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(year),
            "page": Paginator(people, PAGE).get_page(request.GET.get("page")),
        },
    )


# --------------------------------------------------------------------------------------------
# Donations and receipts
# --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_donations(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    form = DonationForm(request.POST or None)
    if request.method == "POST":

        def run(d: dict[str, Any]) -> Any:
            donor = person_in_scope(request.user, d["donor"], "donor") if d.get("donor") else None
            return services.record_donation(
                actor=request.user,
                unit=unit,
                amount=d["amount"],
                donor=donor,
                donor_name=d.get("donor_name") or "",
                purpose=d.get("purpose") or "",
                received_on=d.get("received_on"),
                receipt_number=d.get("receipt_number"),
            )

        done = _run(request, form, run, _("The donation is recorded."))
        if done:
            messages.info(
                request, _("Receipt %(code)s is ready to print.") % {"code": done.receipt_code}
            )
            return redirect("money:unit-donations", code=unit.code)
    donations = selectors.visible_donations(request.user).filter(unit=unit)
    return render(
        request,
        "money/donations.html",
        {
            "unit": unit,
            "form": form,
            "page": Paginator(donations, PAGE).get_page(request.GET.get("page")),
        },
    )


@login_required
@require_GET
def donation_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    from branchwork.imports.paper import render_pdf

    donation = selectors.get_donation_for(request.user, pk)
    lang = document_lang(request)
    audit.record(
        actor=request.user,
        action="print",
        obj=donation,
        unit_id=donation.unit_id,
        fields=["receipt"],
    )
    data = render_pdf(
        "money/pdf/receipt.html",
        {"donation": donation, "reversed": hasattr(donation.transaction, "reversed_by")},
        title=_in(lang, gettext_noop("Receipt")),
        lang=lang,
    )
    return _pdf_response(data, f"receipt-{donation.receipt_code}")


@login_required
@require_http_methods(["GET", "POST"])
def unit_transfer(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    form = TransferForm(request.POST or None)
    if request.method == "POST":

        def run(d: dict[str, Any]) -> Any:
            to = unit_in_scope(request.user, d["to_unit"], "to_unit")
            return services.transfer(
                actor=request.user,
                from_unit=unit,
                to_unit=to,
                amount=d["amount"],
                memo=d.get("memo") or "",
            )

        done = _run(request, form, run, _("The transfer is recorded."))
        if done:
            return redirect("money:unit", code=unit.code)
    return render(request, "money/transfer.html", {"unit": unit, "form": form})


# --------------------------------------------------------------------------------------------
# Funds and allocations
# --------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def unit_funds(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    form = FundForm(request.POST or None, initial={"fiscal_year": selectors.this_fiscal_year()})
    if request.method == "POST":
        done = _run(
            request,
            form,
            lambda d: services.create_fund(actor=request.user, unit=unit, **d),
            _("The fund is created."),
        )
        if done:
            return redirect("money:fund", pk=done.pk)
    funds = selectors.visible_funds(request.user).filter(unit__path__startswith=unit.path)
    return render(
        request,
        "money/funds.html",
        {
            "unit": unit,
            "form": form,
            "rows": [
                (f, selectors.fund_figures(f)) for f in funds.order_by("-fiscal_year", "name")[:100]
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.get_fund_for(request.user, pk)
    receive = ReceiveForm(
        request.POST if request.POST.get("form") == "receive" else None, prefix="receive"
    )
    new = AllocationForm(
        request.POST if request.POST.get("form") == "allocation" else None, prefix="allocation"
    )
    if request.method == "POST":
        if request.POST.get("form") == "receive":
            if _run(
                request,
                receive,
                lambda d: services.receive_into_fund(actor=request.user, fund=fund, **d),
                _("The money received is recorded."),
            ):
                return redirect("money:fund", pk=fund.pk)
        elif request.POST.get("form") == "allocation":
            done = _run(
                request,
                new,
                lambda d: services.create_allocation(actor=request.user, fund=fund, **d),
                _("The allocation is drafted."),
            )
            if done:
                return redirect("money:allocation", pk=done.pk)
        else:
            return HttpResponse(status=400)
    return render(
        request,
        "money/fund.html",
        {
            "fund": fund,
            "unit": fund.unit,
            "figures": selectors.fund_figures(fund),
            "allocations": fund.allocations.select_related("proposed_by", "decided_by"),
            "receive": receive,
            "new": new,
        },
    )


ACTIONS = (
    "grant",
    "stipend",
    "per_pupil",
    "remove",
    "propose",
    "approve",
    "reject",
    "reopen",
    "pay",
)


@login_required
@require_http_methods(["GET", "POST"])
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = selectors.get_allocation_for(request.user, pk)
    action = request.POST.get("action", "")
    forms = {
        "grant": GrantForm(request.POST if action == "grant" else None, prefix="grant"),
        "stipend": StipendForm(request.POST if action == "stipend" else None, prefix="stipend"),
        "per_pupil": PerPupilForm(request.POST if action == "per_pupil" else None, prefix="pp"),
        "reject": ReasonForm(request.POST if action == "reject" else None, prefix="reject"),
    }
    if request.method == "POST":
        if action not in ACTIONS:
            return HttpResponse(status=400)
        try:
            if _act(request, allocation, action, forms):
                return redirect("money:allocation", pk=allocation.pk)
        except PermissionDeniedError:
            return render(request, "403.html", status=403)
        allocation.refresh_from_db()
    me = getattr(request.user, "pk", None)
    return render(
        request,
        "money/allocation.html",
        {
            "allocation": allocation,
            "fund": allocation.fund,
            "unit": allocation.fund.unit,
            "items": selectors.items_of(allocation),
            "total": services.total(allocation),
            "free": allocation.fund.amount
            - services.committed(allocation.fund, excluding=allocation),
            "forms": forms,
            "may_decide": allocation.status == AllocationStatus.PROPOSED
            and allocation.proposed_by_id != me,
            "own": allocation.proposed_by_id == me,
        },
    )


def _act(request: HttpRequest, allocation: Allocation, action: str, forms: dict[str, Any]) -> bool:
    user = request.user
    try:
        if action == "grant":

            def grant(d: dict[str, Any]) -> Any:
                school = School.objects.filter(unit__code=d["school"]).first()
                if school is None:
                    raise invalid("school", _("No school with this code."))
                return services.add_grant(
                    actor=user,
                    allocation=allocation,
                    school=school,
                    amount=d["amount"],
                    note=d.get("note") or "",
                )

            return bool(_run(request, forms["grant"], grant, _("The grant is added.")))
        if action == "stipend":

            def stipend(d: dict[str, Any]) -> Any:
                person = person_in_scope(user, d["person"], "person")
                return services.add_stipend(
                    actor=user,
                    allocation=allocation,
                    person=person,
                    amount=d["amount"],
                    term=d.get("term") or "",
                    note=d.get("note") or "",
                )

            return bool(_run(request, forms["stipend"], stipend, _("The stipend is added.")))
        if action == "per_pupil":
            return (
                _run(
                    request,
                    forms["per_pupil"],
                    lambda d: (
                        services.grants_per_pupil(
                            actor=user, allocation=allocation, per_pupil=d["per_pupil"]
                        )
                        or True
                    ),
                    _("A grant per school is added."),
                )
                is not None
            )
        if action == "reject":
            return bool(
                _run(
                    request,
                    forms["reject"],
                    lambda d: services.decide(
                        actor=user, allocation=allocation, approve=False, reason=d["reason"]
                    ),
                    _("The allocation is rejected."),
                )
            )
        if action == "remove":
            item = _item(allocation, request.POST.get("item"))
            services.remove_item(actor=user, item=item)
            messages.success(request, _("The item is removed."))
        elif action == "propose":
            services.propose(actor=user, allocation=allocation)
            messages.success(
                request, _("The allocation is proposed: another treasurer approves it.")
            )
        elif action == "approve":
            services.decide(actor=user, allocation=allocation, approve=True)
            messages.success(request, _("The allocation is approved: its items can be paid."))
        elif action == "reopen":
            services.reopen(actor=user, allocation=allocation)
            messages.success(request, _("The allocation is a draft again."))
        elif action == "pay":
            item = _item(allocation, request.POST.get("item"))
            services.pay(actor=user, item=item)
            faults.point("pay-before-answer")  # committed, the answer not yet sent
            messages.success(request, _("The payment is recorded."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return True


def _item(allocation: Allocation, pk: Any) -> AllocationItem:
    try:
        return allocation.items.get(pk=int(pk))
    except (TypeError, ValueError, AllocationItem.DoesNotExist):
        raise Http404 from None


@login_required
@require_GET
def award_letter(request: HttpRequest, pk: int) -> HttpResponse:
    from branchwork.imports.paper import render_pdf

    item = (
        AllocationItem.objects.filter(
            pk=pk, allocation__in=selectors.visible_allocations(request.user)
        )
        .select_related("allocation__fund__unit", "school__unit", "person")
        .first()
    )
    if item is None or item.allocation.status != AllocationStatus.APPROVED:
        raise Http404
    lang = document_lang(request)
    audit.record(
        actor=request.user,
        action="print",
        obj=item,
        unit_id=item.allocation.fund.unit_id,
        fields=["award_letter"],
    )
    title = _in(lang, gettext_noop("Award letter"))
    data = render_pdf(
        "money/pdf/award.html",
        {"item": item, "fund": item.allocation.fund, "grant": item.kind == ItemKind.GRANT},
        title=title,
        lang=lang,
    )
    return _pdf_response(data, f"award-{item.pk}")


# --------------------------------------------------------------------------------------------
# Statements and reports
# --------------------------------------------------------------------------------------------


@login_required
@require_GET
def unit_statement(request: HttpRequest, code: str) -> HttpResponse:
    unit = _money_unit(request, code)
    year = _year(request)
    rows = selectors.statement(request.user, unit, year)
    first, last = services.fiscal_year_bounds(year)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return download(
            request,
            f"statement-{unit.code}-{year}",
            [_("Account"), _("Opening balance"), _("In"), _("Out"), _("Closing balance")],
            [
                [r["account"].name, r["opening"], r["increase"], r["decrease"], r["closing"]]
                for r in rows
            ],
            unit_id=unit.pk,
        )
    context = {
        "unit": unit,
        "year": year,
        "years": _years(year),
        "rows": rows,
        "first": first,
        "last": last,
    }
    if fmt == "pdf":
        from branchwork.imports.paper import render_pdf

        audit.record(
            actor=request.user, action="print", obj=unit, unit_id=unit.pk, fields=["statement"]
        )
        data = render_pdf(
            "money/pdf/statement.html",
            context,
            title=_in(document_lang(request), gettext_noop("Annual statement")),
            lang=document_lang(request),
        )
        return _pdf_response(data, f"statement-{unit.code}-{year}")
    return render(request, "money/statement.html", context)


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    if "money" not in scope_for(request.user).all_permissions():
        raise Http404
    year = _year(request)
    funds = selectors.utilisation(request.user, year)
    schools = selectors.paid_by_school(request.user, year)
    branches = selectors.stipends_by_branch(request.user, year)
    regions = selectors.paid_by_region(request.user, year)
    what = request.GET.get("report")
    if request.GET.get("format") and what in ("funds", "schools", "stipends", "regions"):
        scope = scope_for(request.user)
        unit_id = next((g.unit_id for g in scope.grants if "money" in g.permissions), None)
        if what == "funds":
            return download(
                request,
                f"funds-{year}",
                [
                    _("Fund"),
                    _("Held by"),
                    _("Promised"),
                    _("Received"),
                    _("Committed"),
                    _("Paid"),
                    _("Balance"),
                ],
                [
                    [
                        r["fund"].name,
                        r["fund"].unit.name,
                        r["promised"],
                        r["received"],
                        r["committed"],
                        r["paid"],
                        r["balance"],
                    ]
                    for r in funds
                ],
                unit_id=unit_id,
            )
        if what == "regions":
            return download(
                request,
                f"regions-{year}",
                [_("Region"), _("Grants"), _("Stipends"), _("Total")],
                [
                    [r["unit"].name if r["unit"] else "", r["grants"], r["stipends"], r["total"]]
                    for r in regions
                ],
                unit_id=unit_id,
            )
        if what == "schools":
            return download(
                request,
                f"grants-{year}",
                [_("School"), _("Grants"), _("Paid")],
                [[r["school__unit__code"], r["n"], r["s"]] for r in schools],
                unit_id=unit_id,
            )
        return download(
            request,
            f"stipends-{year}",
            [_("Branch"), _("Stipends"), _("Paid")],
            [[r["unit"].name if r["unit"] else "", r["n"], r["s"]] for r in branches],
            unit_id=unit_id,
        )
    return render(
        request,
        "money/reports.html",
        {
            "year": year,
            "years": _years(year),
            "funds": funds,
            "schools": schools,
            "branches": branches,
            "regions": regions,
        },
    )


@login_required
@require_GET
def person_stipends(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for(request.user, pk)
    items = selectors.stipend_history(request.user, person)
    if "money" not in scope_for(request.user).all_permissions():
        raise Http404
    return render(
        request,
        "money/stipends.html",
        {"person": person, "items": items, "today": timezone.localdate()},
    )
