"""An import's report in words: each line's code and parameters put into the reader's language
(the report is kept as codes, so an officer reading in Korean and one reading in Japanese each
see it in their own), and the report as a CSV file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchwork.core.text import defuse_formula

from .models import ImportIssue

MESSAGES = {
    "too_long": gettext_lazy("Too long: at most %(max)s characters."),
    "formula": gettext_lazy("A formula, not a value: left out."),
    "name_missing": gettext_lazy("No name in any column: the row was not imported."),
    "date_future": gettext_lazy("“%(text)s” is in the future."),
    "date_empty": gettext_lazy("Enter a date."),
    "date_invalid": gettext_lazy(
        "“%(text)s” is not a date: write it as 1975-03-02 or 昭和50年3月2日."
    ),
    "date_no_such_date": gettext_lazy("“%(text)s” does not exist in the calendar."),
    "date_not_in_era": gettext_lazy("“%(text)s” is not in the %(era)s era (%(span)s)."),
    "not_kana": gettext_lazy("“%(text)s” is not a reading in kana."),
    "phone_invalid": gettext_lazy("“%(text)s” is not a phone number: left out."),
    "email_invalid": gettext_lazy("“%(text)s” is not an e-mail address: left out."),
    "postal_form": gettext_lazy(
        "“%(text)s” is not a postal code (7 digits, like 543-0001): left out."
    ),
    "postal_unknown": gettext_lazy("No address has the postal code “%(text)s”: left out."),
    "postal_elsewhere": gettext_lazy(
        "The postal code is in %(prefecture)s but the address names another prefecture."
    ),
    "sex_unknown": gettext_lazy("“%(text)s” is not a sex the registry knows: left out."),
    "generation_unknown": gettext_lazy("“%(text)s” is not a generation (1 to 4): left out."),
    "language_unknown": gettext_lazy("“%(text)s” is not a language the registry knows: left out."),
    "relation_unknown": gettext_lazy(
        "“%(text)s” is not a relation the registry knows: recorded as “other”."
    ),
    "membership_unknown": gettext_lazy("“%(text)s” is not a membership status: left out."),
    "id_invalid": gettext_lazy("“%(text)s” is not a registry number."),
    "id_unknown": gettext_lazy("No person number %(id)s in your units."),
    "unchanged": gettext_lazy("Already in the registry as #%(id)s, unchanged."),
    "updated": gettext_lazy("Already in the registry as #%(id)s: updated %(fields)s."),
    "changed_meanwhile": gettext_lazy(
        "#%(id)s was changed by someone else while the file was being imported: not updated."
    ),
    "not_yours": gettext_lazy(
        "Already in the registry as #%(id)s, in a unit you may not edit: not changed."
    ),
    "kept_apart": gettext_lazy(
        "Looked like #%(id)s (%(score)s%%); recorded as a new person, as decided."
    ),
    "skipped": gettext_lazy(
        "Already in the registry as #%(id)s (%(score)s%%; differs in %(fields)s): skipped, the registry's record kept."
    ),
    "held": gettext_lazy(
        "May be #%(id)s (%(score)s%%; differs in %(fields)s): held for a decision."
    ),
    "kept_apart_in_file": gettext_lazy(
        "Looked like row %(row)s (%(score)s%%); recorded as a new person, as decided."
    ),
    "merged_in_file": gettext_lazy("The same person as row %(row)s: merged into it."),
    "skipped_in_file": gettext_lazy("The same person as row %(row)s (%(score)s%%): skipped."),
    "held_in_file": gettext_lazy(
        "May be the same person as row %(row)s (%(score)s%%): held for a decision."
    ),
    "unplaced": gettext_lazy(
        "No territory of your units holds the postal code “%(postal_code)s”: placed in the import's unit, to be placed by hand."
    ),
    "unplaced_no_postal": gettext_lazy(
        "No postal code: placed in the import's unit, to be placed by hand."
    ),
    "no_address": gettext_lazy("No address: placed in the import's unit, to be placed by hand."),
    "no_unit": gettext_lazy(
        "No territory holds the address and the import names no unit: not imported."
    ),
    "unknown_unit": gettext_lazy("No unit with the code “%(code)s” in your units."),
    "unknown_value": gettext_lazy("“%(text)s” is not a value this column takes."),
    "required": gettext_lazy("This column must have a value."),
    "invalid": gettext_lazy("Not accepted: %(message)s"),
}


def _fields(names: Iterable[str]) -> str:
    from .columns import PEOPLE

    labels = {c.name: str(c.label) for c in PEOPLE}
    labels["birth_precision"] = labels["birth_date"]
    return ", ".join(dict.fromkeys(labels.get(n, n) for n in names)) or "—"


def describe(code: str, params: dict[str, Any], object_id: int | None = None) -> str:
    message = MESSAGES.get(code)
    if message is None:
        return code
    values = dict(params)
    if object_id is not None:
        values.setdefault("id", object_id)  # the person the row is (an unchanged row's only)
    if "fields" in values:
        values["fields"] = _fields(values["fields"])
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        return str(message)


def issue_text(issue: ImportIssue) -> str:
    return describe(issue.code, issue.params, issue.object_id)


def report_csv(issues: Iterable[ImportIssue]) -> bytes:
    """The report as a CSV file (UTF-8 with a byte order mark, so Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Outcome"), _("Reason"), _("Person")])
    for issue in issues:
        writer.writerow(
            [
                issue.row,
                defuse_formula(issue.column),
                str(issue.get_level_display()),
                defuse_formula(issue_text(issue)),
                issue.object_id or "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
