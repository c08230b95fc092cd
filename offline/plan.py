"""``python -m offline.plan``: the day-2 plan's command (:mod:`offline.day2`, its command line in
:mod:`offline.day2.cli`)."""

from __future__ import annotations

import sys

from .day2.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
