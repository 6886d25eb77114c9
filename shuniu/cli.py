"""The ``shuniu`` console script: django-admin preset to shuniu's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuniu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
