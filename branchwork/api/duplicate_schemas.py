"""Schemas of the duplicate check on creating a person over the API."""

from __future__ import annotations

from ninja import Schema

from .schemas import PersonCreateIn


class PersonCreateCheckedIn(PersonCreateIn):
    """A new person; ``confirm_new`` records them even when they look like someone recorded."""

    confirm_new: bool = False


class DuplicateOut(Schema):
    id: int
    display_name: str
    score: int
    reasons: list[str]


class DuplicatesOut(Schema):
    """409: the person may already be recorded; resend with ``confirm_new: true`` if not."""

    detail: str
    candidates: list[DuplicateOut]
