"""`make fast-schemas`: (re)generate meti_pi/fastschemas/ from the shipped schemas (meti_pi.store.fastgen).

    .venv/bin/python tools/fastgen.py [--check]

--check exits 1 when a module is missing, stale or left over (tests/test_fast_schema.py runs the
same comparison). A build-time tool, kept out of the runtime package: it prints and exits.
"""

from __future__ import annotations

import sys

from meti_pi.store import fastgen


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = fastgen.differences()
        for line in found:
            print(f"meti_pi/fastschemas: {line} (run `make fast-schemas`)", file=sys.stderr)
        return 1 if found else 0
    print(f"meti_pi/fastschemas: {fastgen.write()} validators")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
