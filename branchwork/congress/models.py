"""Congresses: numbered congresses and conferences of branch representatives.

A congress is held by a host unit (the federation, or a region for a regional conference).
Units of one kind under the host send delegates: each gets a **quota** from a rule (a base per
unit plus one per N members, counted at a cut-off date), nominates delegates and alternates up
to it, and the secretariat confirms their **credentials**. Delegates get a badge with a QR code
that is scanned at the door (**check-in**); the quorum is the weight present over the weight
entitled.

**Polls** take the votes of checked-in, confirmed delegates (each once: a unique constraint on
``Participation``), weighted or not, named or secret; a delegate may carry others' votes by
**proxy**. In a secret poll who voted (``Participation``) and what was voted (``Ballot``) are
kept in tables with nothing to join them: the ballot has a random id, no voter, no time, and
ballots are written in one shuffled batch when the poll closes. Until then each ballot waits
sealed (AES-GCM under a key derived from the installation's secret) in ``SealedBallot``, which
holds no voter either. See docs/voting.md for what that protects against and what it does not.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CongressKind(models.TextChoices):
    CONGRESS = "congress", _("Congress")
    CONFERENCE = "conference", _("Conference of branch representatives")
    REGIONAL = "regional", _("Regional conference")


class CongressStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_SESSION = "in_session", _("In session")
    CLOSED = "closed", _("Closed")


class MotionState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ADMITTED = "admitted", _("Admitted")
    DEBATED = "debated", _("Debated")
    VOTED = "voted", _("Voted on")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
    REFERRED = "referred", _("Referred")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The default workflow of motions: each state and the states it may move to.
DEFAULT_WORKFLOW: dict[str, list[str]] = {
    "submitted": ["admitted", "rejected", "withdrawn"],
    "admitted": ["debated", "referred", "withdrawn"],
    "debated": ["voted", "referred", "withdrawn"],
    "voted": ["adopted", "rejected"],
    "adopted": [],
    "rejected": [],
    "referred": [],
    "withdrawn": [],
}


def default_workflow() -> dict[str, list[str]]:
    return {state: list(nexts) for state, nexts in DEFAULT_WORKFLOW.items()}


class Congress(models.Model):
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=CongressKind.choices)
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(
        "org.Unit",
        verbose_name=_("host unit"),
        on_delete=models.PROTECT,
        related_name="congresses",
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=20, choices=CongressStatus.choices, default=CongressStatus.PLANNED
    )
    # The quota rule: units of this kind under the host send ``quota_base`` delegates each,
    # plus one for every ``quota_per_members`` members (none when 0) at the cut-off date.
    delegating_kind = models.CharField(_("delegating units"), max_length=30, default="branch")
    quota_base = models.PositiveSmallIntegerField(_("delegates per unit"), default=1)
    quota_per_members = models.PositiveIntegerField(
        _("one more delegate per this many members"), default=0
    )
    quota_alternates = models.PositiveSmallIntegerField(_("alternates per unit"), default=1)
    quota_cutoff = models.DateField(_("membership counted on"))
    proxy_limit = models.PositiveSmallIntegerField(
        _("votes a delegate may carry for others"), default=1
    )
    speaking_seconds = models.PositiveSmallIntegerField(_("speaking time (seconds)"), default=180)
    motion_workflow = models.JSONField(_("motion workflow"), default=default_workflow)
    current_item = models.ForeignKey(
        "AgendaItem",
        verbose_name=_("current item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("congress")
        verbose_name_plural = _("congresses")
        ordering = ["-starts_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["host", "kind", "number"], name="congress_number_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="congress_dates"),
            models.CheckConstraint(condition=Q(quota_base__gte=1), name="congress_quota_base"),
        ]

    def __str__(self) -> str:
        return self.title


class Quota(models.Model):
    """The delegates a unit may send, worked out from the rule and stored (so a later change of
    membership does not move it)."""

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    members = models.PositiveIntegerField(_("members"))
    delegates = models.PositiveSmallIntegerField(_("delegates"))
    alternates = models.PositiveSmallIntegerField(_("alternates"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "unit"], name="quota_once"),
            models.CheckConstraint(condition=Q(delegates__gte=1), name="quota_at_least_one"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.delegates}"


class DelegateRole(models.TextChoices):
    DELEGATE = "delegate", _("Delegate")
    ALTERNATE = "alternate", _("Alternate")


class Credential(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Delegate(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="delegates")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="delegacies",
    )
    role = models.CharField(_("role"), max_length=12, choices=DelegateRole.choices)
    credential = models.CharField(
        _("credentials"), max_length=12, choices=Credential.choices, default=Credential.NOMINATED
    )
    weight = models.PositiveSmallIntegerField(_("vote weight"), default=1)
    badge_code = models.CharField(_("badge code"), max_length=16, unique=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # The voting pass: a one-time code shown at check-in that binds the delegate's phone. Only
    # its hash is kept, and a new pass replaces the old one.
    pass_hash = models.CharField(max_length=64, blank=True)
    device_key = models.CharField(max_length=64, blank=True)
    nominated_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["unit__code", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "person"], name="delegate_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="delegate_weight"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def entitled(self) -> bool:
        return self.role == DelegateRole.DELEGATE and self.credential == Credential.CONFIRMED


class Proxy(models.Model):
    """A delegate's vote carried by another delegate of the same congress."""

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="proxies")
    giver = models.OneToOneField(
        Delegate, verbose_name=_("given by"), on_delete=models.CASCADE, related_name="proxy_given"
    )
    holder = models.ForeignKey(
        Delegate, verbose_name=_("carried by"), on_delete=models.CASCADE, related_name="proxies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.CheckConstraint(condition=~Q(giver=F("holder")), name="proxy_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} → {self.holder_id}"


class ItemState(models.TextChoices):
    PENDING = "pending", _("Not yet")
    CURRENT = "current", _("Under way")
    DONE = "done", _("Done")


class AgendaItem(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=30)
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState.choices, default=ItemState.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AgendaDocument(models.Model):
    """A paper for an agenda item, kept in the database (papers are small PDFs)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class SpeechKind(models.TextChoices):
    SPEECH = "speech", _("Speech")
    POINT_OF_ORDER = "order", _("Point of order")


class Speaker(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speakers")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="speeches")
    kind = models.CharField(
        _("kind"), max_length=10, choices=SpeechKind.choices, default=SpeechKind.SPEECH
    )
    position = models.PositiveIntegerField()
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.delegate_id}"


class Motion(models.Model):
    """A motion, or (with ``amends``) an amendment to one paragraph of a motion or of another
    amendment. Paragraphs are the text's blocks separated by an empty line, numbered from 1."""

    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="motions")
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="motions",
    )
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    reason = models.TextField(_("reason"), blank=True)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="amendments",
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), null=True, blank=True)
    submitted_by_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by_delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="motions",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=MotionState.choices, default=MotionState.SUBMITTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "number"], name="motion_number_once"),
            models.CheckConstraint(
                condition=Q(amends__isnull=True, paragraph__isnull=True)
                | Q(amends__isnull=False, paragraph__isnull=False),
                name="amendment_names_its_paragraph",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.text)


def split_paragraphs(text: str) -> list[str]:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b]


class Election(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="elections")
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="elections",
    )
    title = models.CharField(_("post"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="election_seats"),
        ]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="candidacies",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="candidate_once"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class PollKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / abstain")
    CHOICE = "choice", _("Choice of candidates or options")


class PollState(models.TextChoices):
    DRAFT = "draft", _("Not opened")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")


class Poll(models.Model):
    congress = models.ForeignKey(Congress, on_delete=models.CASCADE, related_name="polls")
    item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polls",
    )
    motion = models.ForeignKey(
        Motion,
        verbose_name=_("motion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polls",
    )
    election = models.ForeignKey(
        Election,
        verbose_name=_("election"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polls",
    )
    title = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=PollKind.choices)
    secret = models.BooleanField(_("secret ballot"), default=False)
    weighted = models.BooleanField(_("weighted votes"), default=False)
    min_choices = models.PositiveSmallIntegerField(_("fewest choices"), default=1)
    max_choices = models.PositiveSmallIntegerField(_("most choices"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=PollState.choices, default=PollState.DRAFT
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Random bytes that, with the installation's secret, give the key sealing this poll's
    # ballots until it closes.
    seal_salt = models.BinaryField(max_length=32, default=bytes)
    # Written once when the poll closes (the tally in SQL): {"options": {id: weight}, ...}.
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_choices__gte=F("min_choices")) & Q(max_choices__gte=1),
                name="poll_choices_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


YES_NO_LABELS = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("label"), max_length=200)
    # "yes", "no" or "abstain" on a yes/no poll; empty for a candidate or free option.
    code = models.CharField(max_length=10, blank=True)
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="options"
    )

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The label in the reader's language (a yes/no/abstain option is stored by its code)."""
        return str(YES_NO_LABELS[self.code]) if self.code in YES_NO_LABELS else self.label


class Participation(models.Model):
    """That a delegate's vote was cast in a poll (by the delegate, or by their proxy): who voted,
    never what. One per delegate and poll, enforced by the database."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="participations")
    delegate = models.ForeignKey(Delegate, on_delete=models.PROTECT, related_name="+")
    cast_by = models.ForeignKey(Delegate, on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "delegate"], name="one_vote_per_delegate"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.delegate_id}"


class SealedBallot(models.Model):
    """A secret ballot while its poll is open: sealed, with no voter and no time. The rows are
    opened, shuffled and written as ``Ballot`` rows when the poll closes, then deleted."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.poll_id}"


class Ballot(models.Model):
    """A ballot as counted: a random id, its weight and the receipt its voter was shown; no
    voter and no time. Secret polls write them in one shuffled batch at closing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    weight = models.PositiveSmallIntegerField()
    receipt = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "receipt"], name="ballot_receipt_once"),
        ]

    def __str__(self) -> str:
        return self.receipt


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="ballot_choice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.option_id}"


class NamedVote(models.Model):
    """In a named poll, what each delegate voted (published with the result)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="named_votes")
    delegate = models.ForeignKey(Delegate, on_delete=models.PROTECT, related_name="+")
    options = models.JSONField(default=list)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "delegate"], name="named_vote_once"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.delegate_id}"
