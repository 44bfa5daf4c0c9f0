"""The git layer: the only code that runs git (named for what it is; "audit" is the Art. 42 command).

- runner: running git (environment, the register lock's descriptors) and read-only questions;
- journal: the journal of a change being written, and recovery after a crash;
- lock: the register lock (meti-pi commands take turns);
- trailers: meti-pi's trailers in the history.
"""

from __future__ import annotations

from meti_pi.gitlayer.journal import TRAILER_CHANGE, recover, recover_if_needed
from meti_pi.gitlayer.runner import GitFailed, Repo, git, git_bytes, head_commit, read_at, read_blobs, repo_of
from meti_pi.gitlayer.trailers import TRAILER_ARTICLE, TRAILER_COMMAND, TRAILER_RECORD, history

__all__ = [
    "TRAILER_ARTICLE",
    "TRAILER_CHANGE",
    "TRAILER_COMMAND",
    "TRAILER_RECORD",
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
]
