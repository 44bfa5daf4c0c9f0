"""`python -m meti_pi` runs the command line."""

from __future__ import annotations

from meti_pi.cli import main

if __name__ == "__main__":
    main()
