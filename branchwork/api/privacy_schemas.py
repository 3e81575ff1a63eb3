"""Schemas of provisions to third parties over the API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ProvisionOut(Schema):
    id: int
    person_id: int
    unit: str | None  # the unit that provided, if the reader sees it
    kind: str
    recipient: str
    purpose: str
    items: list[str]
    basis: str
    consent_id: int | None
    provided_on: dt.date


class ProvisionIn(Schema):
    kind: str = Field(pattern=r"^(export|referral|other)$")
    recipient: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=300)
    items: list[str] = Field(min_length=1, max_length=40)
    basis: str = Field(pattern=r"^(consent|law|vital|other)$")
    consent_id: int | None = None
    provided_on: dt.date | None = None
