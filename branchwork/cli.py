"""The ``branchwork`` command: Django's management commands under the project's own name.

``branchwork demo``, ``branchwork serve``, ``branchwork migrate`` … all go through here.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchwork.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "branchwork"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
