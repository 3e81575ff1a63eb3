"""Schools and their pupils.

A school is a unit of kind school (so grants, posts and scoping work for it unchanged); its
profile here adds the level. Classes belong to a school year, and an enrolment puts a person of
the registry in a school for a school year, at a grade (and perhaps in a class). The pupil's
household, and so their branch, stay where the registry keeps them: a branch sees which of its
children attend which school, and a school sees where its pupils come from.

The school year starts in April (as Japanese schools do) and is named by the calendar year it
starts in: the school year 2026 runs from April 2026 to March 2027.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

YEAR_STARTS_MONTH = 4


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in (the year 2026 runs from April 2026 to March 2027)."""
    return day.year if day.month >= YEAR_STARTS_MONTH else day.year - 1


class SchoolLevel(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    ELEMENTARY = "elementary", _("Elementary school")
    MIDDLE = "middle", _("Middle school")
    HIGH = "high", _("High school")
    UNIVERSITY = "university", _("University")
    SUPPLEMENTARY = "supplementary", _("Weekend or supplementary school")


# The grades each level teaches (a university's are its years of study).
GRADES: dict[str, tuple[int, int]] = {
    SchoolLevel.KINDERGARTEN: (1, 3),
    SchoolLevel.ELEMENTARY: (1, 6),
    SchoolLevel.MIDDLE: (1, 3),
    SchoolLevel.HIGH: (1, 3),
    SchoolLevel.UNIVERSITY: (1, 6),
    SchoolLevel.SUPPLEMENTARY: (1, 12),
}


class School(models.Model):
    """What a school unit is besides a unit: its level."""

    unit = models.OneToOneField(
        "org.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="school",
        limit_choices_to={"kind": "school"},
    )
    level = models.CharField(_("level"), max_length=20, choices=SchoolLevel.choices)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["unit__code"]

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def grades(self) -> range:
        first, last = GRADES[self.level]
        return range(first, last + 1)


class SchoolClass(models.Model):
    """A class of a school in one school year ("1-A")."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    school_year = models.PositiveSmallIntegerField(_("school year"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school_year", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="school_class_name_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    LEFT = "left", _("Left")
    COMPLETED = "completed", _("Completed the year")


class Enrolment(models.Model):
    """A pupil at a school for one school year, at a grade."""

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("pupil"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="enrolments"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    since = models.DateField(_("since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["school_year", "grade", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school", "school_year"], name="enrolment_once_a_year"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1) & models.Q(grade__lte=12),
                name="enrolment_grade_range",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "school_year", "status"], name="enrolment_school_year"),
            models.Index(fields=["school_year", "status"], name="enrolment_year"),
        ]

    def __str__(self) -> str:
        return f"enrolment #{self.pk}"
