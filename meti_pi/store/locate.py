"""Where the register is: its marker file and the search for it (no register code imported).

A leaf of store/: commands that only need to know whether there is a register (classify without
--record takes the register's policy, else the defaults) find it without loading the register
module and what it imports (meti_pi.store.register re-exports both names).
"""

from __future__ import annotations

from pathlib import Path

from meti_pi.errors import MetiPiError

REGISTER_FILE = "register.yaml"


def find_register(option: Path | None, cwd: Path) -> Path:
    """The register root: --register / $METI_PI_REGISTER, else the nearest `register/` upwards."""
    if option is not None:
        root = option.expanduser().resolve()
        if not (root / REGISTER_FILE).is_file():
            raise MetiPiError(
                f"{option}: no {REGISTER_FILE} there; pass the register directory or run `meti-pi init {option}`"
            )
        return root
    for here in (cwd, *cwd.parents):
        if (here / REGISTER_FILE).is_file():
            return here
        if (here / "register" / REGISTER_FILE).is_file():
            return here / "register"
    raise MetiPiError(
        f"no register found from {cwd} upwards (a register/ folder holding {REGISTER_FILE}); "
        "pass --register DIR, set METI_PI_REGISTER, or run `meti-pi init`"
    )
