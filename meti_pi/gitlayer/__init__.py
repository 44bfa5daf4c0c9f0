"""The git layer: the only code that runs git (named for what it is; "audit" is the Art. 42 command).

- runner: running git (environment, the register lock's descriptors) and read-only questions;
- commit: committing exactly the given files (`git commit --only`) under the journal, git's retries,
  and the warnings for the person running the command (`notes`);
- journal: the journal of a change being written, and recovery after a crash;
- lock: the register lock (meti-pi commands take turns);
- trailers: meti-pi's trailers, written into commit messages and read back from the history;
- fs: atomic file writes and the crash points of the tests.

The write transaction (the change, validated against the register) is above the register model,
in meti_pi.actions.transaction.
"""

from __future__ import annotations

from meti_pi.gitlayer.journal import TRAILER_CHANGE, recover, recover_if_needed
from meti_pi.gitlayer.runner import GitFailed, Repo, git, git_bytes, head_commit, read_at, read_blobs, repo_of
from meti_pi.gitlayer.trailers import (
    TRAILER_ARTICLE,
    TRAILER_COMMAND,
    TRAILER_RECORD,
    TRAILER_VERSION,
    history,
    trail_line,
)

__all__ = [
    "TRAILER_ARTICLE",
    "TRAILER_CHANGE",
    "TRAILER_COMMAND",
    "TRAILER_RECORD",
    "TRAILER_VERSION",
    "GitFailed",
    "Repo",
    "git",
    "git_bytes",
    "head_commit",
    "history",
    "read_at",
    "read_blobs",
    "recover",
    "recover_if_needed",
    "repo_of",
    "trail_line",
]
