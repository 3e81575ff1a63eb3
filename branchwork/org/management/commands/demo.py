from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from branchwork.org.demo import SIZES, build_demo


class Command(BaseCommand):
    help = "Generate a fictional demo federation (deterministic for a seed) and print its logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = build_demo(size=options["size"], seed=options["seed"])
        took = time.perf_counter() - started
        if result.created:
            self.stdout.write(
                f"Demo federation ({options['size']}, seed {options['seed']}): {result.units} units, "
                f"{result.people} people, {result.terms} officer terms in {took:.1f} s."
            )
        else:
            self.stdout.write("A demo federation is already loaded; nothing was changed.")
        self.stdout.write("Demo logins (user name, password, role on unit):")
        for username, password, role, unit in result.logins:
            self.stdout.write(f"  {username:18} {password:18} {role} on {unit}")
        for username, secret in result.totp_secrets.items():
            self.stdout.write(
                f"  {username} needs a second factor: add this key to an authenticator app: "
                f"{secret}"
            )
