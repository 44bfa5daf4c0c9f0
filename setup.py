"""Everything about the package is in pyproject.toml; this file only keeps a build from shipping
files that are no longer in the source.

`pip wheel .`, `pip install .` and `python -m build --wheel` build in the checkout and copy the
package into `build/lib/` first, a folder setuptools reuses and never empties: a module or data
file deleted since an earlier build (a schema `make schemas` dropped, a role taken out of the
template register) stayed there and went into the wheel, where `init` and `schemas --write` copy
every file they find. build_py now starts from an empty `build/lib/meti_pi/`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyAfresh(build_py):
    def run(self) -> None:
        shutil.rmtree(Path(self.build_lib) / "meti_pi", ignore_errors=True)
        super().run()


setup(cmdclass={"build_py": BuildPyAfresh})
