"""The settings meti-pi's core takes: one frozen value, built by `cli/` from the environment (issue 17).

The core never reads the environment: `cli/` calls `Settings.from_env(os.environ)` once and passes
the value down (`Register.load(settings=)`, `gitlayer.transaction(settings=)`, the actions). Library
callers and tests get `DEFAULT`, which is what an empty environment gives.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from meti_pi.errors import UsageError


@dataclass(frozen=True, slots=True)
class Settings:
    # Work items from which parallel work is shared among processes; None: each place's own
    # threshold (register parsing, validate's checks, the checklists). $METI_PI_PARALLEL_MIN.
    parallel_min: int | None = None
    # The read cache is used ($METI_PI_NO_CACHE unset, empty or "0").
    cache: bool = True
    # The per-user cache folder's parent ($XDG_CACHE_HOME, else $HOME/.cache); None: `~/.cache`
    # with `~` as the standard library expands it (library callers; the account's home directory).
    cache_home: Path | None = None
    # A folder of *.schema.json replacing the shipped schemas ($METI_PI_SCHEMAS; development).
    schemas: Path | None = None
    # Told (who holds the register lock, how long this command waits) once a write has waited a
    # second for it: the command line says it on stderr (the core never prints); None: silent.
    lock_wait: Callable[[str, float], None] | None = field(default=None, compare=False)
    # The folder the command runs from (the command line's current folder): the commands a message
    # advises (`meti-pi commit PATH`, `git restore PATH`) name their files from it, where they are
    # typed (store.advised); None: from the repository's top (library callers).
    here: Path | None = field(default=None, compare=False)

    def parallel(self, default: int) -> int:
        """The threshold for one place whose own threshold is `default`."""
        return default if self.parallel_min is None else self.parallel_min

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings an environment gives (a pure function of `env`: cli/ passes os.environ)."""
        raw = env.get("METI_PI_PARALLEL_MIN", "").strip()
        try:
            parallel_min = int(raw) if raw else None
        except ValueError:
            raise UsageError(f"METI_PI_PARALLEL_MIN={raw!r} is not a whole number") from None
        return cls(
            parallel_min=parallel_min,
            cache=env.get("METI_PI_NO_CACHE", "") in ("", "0"),
            cache_home=_cache_home(env),
            schemas=Path(env["METI_PI_SCHEMAS"]) if env.get("METI_PI_SCHEMAS") else None,
        )


def _cache_home(env: Mapping[str, str]) -> Path | None:
    """`$XDG_CACHE_HOME` when absolute (the XDG rule), else `$HOME/.cache`; None without either."""
    base = env.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base)
    home = env.get("HOME", "")
    return Path(home) / ".cache" if os.path.isabs(home) else None


DEFAULT = Settings()
