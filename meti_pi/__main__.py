"""`python -m meti_pi` runs the command line."""

from __future__ import annotations

if __name__ == "__main__":
    from meti_pi import gcpause

    gcpause.hold_start()  # from the start of the process: the CLI's own imports too (cli.main)

    from meti_pi.cli import main

    main()
