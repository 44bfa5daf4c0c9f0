"""Where the register is: its marker file and the search for it (no register code imported).

A leaf of store/: commands that only need to know whether there is a register (classify without
--record takes the register's policy, else the defaults) find it without loading the register
module and what it imports (meti_pi.store.register re-exports both names).
"""

from __future__ import annotations

from pathlib import Path

from meti_pi.errors import MetiPiError

REGISTER_FILE = "register.yaml"


ENV_VAR = "METI_PI_REGISTER"


def find_register(option: Path | None, cwd: Path, *, from_env: bool = False) -> Path:
    """The register root: --register / $METI_PI_REGISTER, else the nearest `register/` upwards.
    `from_env`: `option` came from $METI_PI_REGISTER, which a refusal names (the user typed no path)."""
    if option is not None:
        root = option.expanduser().resolve()
        if not (root / REGISTER_FILE).is_file():  # why not, looked for only then (every command finds its register)
            in_the_way = file_in_the_way(root)
            if in_the_way is not None:
                message = _not_a_folder(option, root, in_the_way)
            else:
                message = (
                    f"{option}: no {REGISTER_FILE} there; pass the register directory or run `meti-pi init {option}`"
                )
            if from_env:
                message += f" (that path is ${ENV_VAR}'s: set it to the register's folder, or unset it)"
            raise MetiPiError(message)
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


def file_in_the_way(path: Path) -> Path | None:
    """The file (not a folder) at `path` or at the nearest of its parents that exists, else None:
    no register can be there, nor be made there."""
    for here in (path, *path.parents):
        if here.exists():
            return None if here.is_dir() else here
    return None


def _not_a_folder(option: Path, root: Path, in_the_way: Path) -> str:
    """What to say of a --register that is a file (or lies under one)."""
    what = f"{option} is a file" if in_the_way == root else f"{option} lies under {in_the_way}, a file"
    if in_the_way.name == REGISTER_FILE:  # the register's own marker file: its folder was meant
        return f"{what}, not a register folder; pass the folder that holds it: {in_the_way.parent}"
    return (
        f"{what}, not a register folder; pass the folder that holds {REGISTER_FILE}, "
        "or create a register in a new folder with `meti-pi init DIR`"
    )
