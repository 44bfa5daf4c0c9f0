"""How a message names the files of the commands it advises (`meti-pi commit PATH`, `git restore
PATH`): from the folder the command runs in (Settings.here), where the person types them. git
reads a path from the current folder and `meti-pi commit` too: a path from the repository's top
(`register/files/F-….yaml`) is wrong from any other folder (`cd register/files`). From outside the
repository git is told where it is (`git -C TOP`), and `meti-pi commit` which register (`--register`)
where it would not find this one; with no folder known (library callers), paths from the top.
The CLI names the register files of the problems it prints from the same folder (`folder`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from meti_pi.errors import MetiPiError
from meti_pi.gitlayer.runner import Repo, differ_from_head
from meti_pi.store.locate import find_register


@dataclass(frozen=True, slots=True)
class Advised:
    """The paths and commands of advice to run from `here` (None: from the repository's top)."""

    repo: Repo
    here: Path | None

    def path(self, gpath: str) -> str:
        """The file at `gpath` (a path from the repository's top) as typed from `here`."""
        return self.repo.typed_from(self.here, gpath)

    def record(self, relpath: str) -> str:
        """The register file `relpath` (from the register's root) as typed from `here`."""
        return self.path(self.repo.git_path(relpath))

    @property
    def folder(self) -> str:
        """The register's folder as typed from `here`, '/'-ended ('' from the folder itself): what
        the CLI puts before a register file's path (from the register's root) in a problem it
        prints, the one path worked out per command (`register/` from the repository's top, `../`
        from `register/files`, absolute from outside the repository), however many problems."""
        typed = self.path(self.repo.prefix or ".")
        return "" if typed == "." else typed.rstrip("/") + "/"

    @property
    def git(self) -> str:
        """`git`, told where the repository is when `here` is outside it."""
        return self.repo.git_from(self.here)

    @property
    def commit(self) -> str:
        """`meti-pi commit`, told which register when it would not find this one from `here`."""
        root = self.repo.top / self.repo.prefix
        if self.here is None:
            return "meti-pi commit"
        try:
            if find_register(None, self.here.resolve()) == root.resolve():
                return "meti-pi commit"
        except MetiPiError:
            pass
        return f"meti-pi --register {shlex.quote(self.path(self.repo.prefix or '.'))} commit"

    def uncommitted(self, relpaths: list[str]) -> list[str]:
        """The register files of `relpaths` whose work-tree content is not HEAD's (asks git: for a refusal)."""
        differ = differ_from_head(self.repo, [self.repo.git_path(r) for r in relpaths])
        return [r for r in relpaths if self.repo.git_path(r) in differ]
