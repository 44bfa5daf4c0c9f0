"""Data files that travel inside the package (schemas, the register template, catalogues).

Everything the code reads ships in `meti_pi/data/` and is located with `importlib.resources`,
so a wheel, `pipx install` or pre-commit's isolated environment finds it exactly as a checkout
does. The top-level `schemas/` and `register/` folders are the source of truth; `make schemas`
copies them here and a test holds the copies byte-identical.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from meti_pi import PACKAGE_DIR
from meti_pi.errors import MetiPiError

# Packaged copy -> source of truth (relative to a checkout's root), for `make schemas` and its test.
COPIES = {"schemas": "schemas", "register": "register"}


@cache
def data_dir(name: str) -> Path:
    """`meti_pi/data/<name>` as a folder on disk (pip and pipx always install packages unpacked)."""
    # Beside the code, where importlib.resources finds it for an unpacked package; asking
    # importlib.resources (its readers import zipfile) cost every write ~2.5 ms of start-up.
    path = PACKAGE_DIR / "data" / name
    if not path.is_dir():
        from importlib.resources import files

        path = Path(str(files("meti_pi").joinpath("data", name)))
    if not path.is_dir():
        raise MetiPiError(f"the installed meti-pi lacks its data folder {name!r} ({path}); reinstall meti-pi")
    return path


# The register's own copy of the schemas, which editor modelines point at (`meti-pi schemas --write`).
REGISTER_SCHEMAS = ".schemas"
