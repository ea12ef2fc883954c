"""The ``hotline`` console script: Django's management commands under one name.

``hotline migrate``, ``hotline serve``, ``hotline worker``, ``hotline demo-data``,
``hotline token create <username>`` … Hyphenated names map to the command modules with
underscores (``demo-data`` → ``demo_data``).
"""

from __future__ import annotations

import os
import sys

ALIASES = {"demo-data": "demo_data", "run-demo": "up"}


def main(argv: list[str] | None = None) -> None:
    """Run a management command, as ``manage.py`` would."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0].replace("-", "_") if "-" in args[0] else args[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hotline", *args])


if __name__ == "__main__":
    main()
