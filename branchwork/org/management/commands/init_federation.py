"""Start a new installation: create the federation (the root unit) and its first administrator.

    branchwork init_federation --code FED --name-ko … --name-ja … --name-en … --admin alice \\
        --email alice@example.org

When the user does not exist yet it is created without a password, and the command prints a
link that works once to choose one. The administrator then sets up a second factor at first
sign-in and builds the rest of the tree (or imports it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from branchwork.access.models import Grant, Role, User
from branchwork.org import services
from branchwork.org.models import Unit, UnitKind


class Command(BaseCommand):
    help = "Create the federation (root unit) and give a user the administrator role on it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True)
        parser.add_argument("--name-ko", required=True)
        parser.add_argument("--name-ja", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--admin", required=True, help="user name of the first administrator")
        parser.add_argument("--email", default="", help="e-mail of a new administrator")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if Unit.objects.filter(parent__isnull=True, status="active").exists():
            raise CommandError("A federation already exists; add units under it instead.")
        try:
            unit = services.create_unit(
                actor=None,
                parent=None,
                code=options["code"],
                kind=UnitKind.FEDERATION,
                name_ko=options["name_ko"],
                name_ja=options["name_ja"],
                name_en=options["name_en"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        user = User.objects.filter(username=options["admin"]).first()
        created = user is None
        if user is None:
            user = User(username=options["admin"], email=options["email"])
            user.set_unusable_password()
            user.save()
        role = Role.objects.get(code="administrator")
        Grant.objects.create(user=user, role=role, unit=unit, valid_from=unit.created_at.date())
        self.stdout.write(f"Federation {unit.code} created; {user.username} is its administrator.")
        if created:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            path = reverse("access:password_reset_confirm", args=[uid, token])
            self.stdout.write(
                f"Open this link once to choose the password: {settings.SITE_URL.rstrip('/')}{path}"
            )
