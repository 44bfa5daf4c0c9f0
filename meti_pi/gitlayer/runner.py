"""Running git: the one place meti-pi starts a git process, and the read-only questions it asks git.

Every read and every write goes through git's own commands; meti-pi never writes an object, an
index, a ref or one of git's lock files itself.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from meti_pi.errors import MetiPiError
from meti_pi.gitlayer import lock as lock_mod


class GitFailed(MetiPiError):
    """git exited non-zero; `stderr` is what git said (its own advice included)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def _keep(name: str) -> bool:
    """Environment variables passed to git: identity, dates and every GIT_CONFIG* (configuration may
    legitimately come from the environment); where the repository is may not (a GIT_DIR or
    GIT_INDEX_FILE left over from a hook would point git at another repository or index)."""
    if not name.startswith("GIT_"):
        return True
    return name.startswith("GIT_CONFIG") or name in _KEEP_GIT_ENV


_KEEP_GIT_ENV = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
    }
)


def optional_locks_wanted() -> bool:
    """Whether git may take an optional lock now: not when the user asked git for none
    (GIT_OPTIONAL_LOCKS=0) or a hook runs git on its own index (GIT_INDEX_FILE). git's own
    environment, read here beside clean_env's (not a meti-pi setting)."""
    return os.environ.get("GIT_OPTIONAL_LOCKS", "1") != "0" and "GIT_INDEX_FILE" not in os.environ


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    # The one read of the environment below cli/ (tests/test_layers.py IMPURE_ALLOWED): git's own
    # environment handed on to git's process (PATH, HOME, identity, GIT_CONFIG_*), not a meti-pi setting.
    env = {k: v for k, v in os.environ.items() if _keep(k)}
    env["LC_ALL"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    if extra:
        env.update(extra)
    return env


def run(
    cwd: Path,
    args: Sequence[str],
    *,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    detached: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """git `args` in `cwd`, output captured. The register lock's descriptors go to the child, so a
    command killed while git runs keeps the lock until that git has exited; `detached` (the git
    commands that write) also starts git in its own session, so a kill of meti-pi's process group
    or a Ctrl-C does not cut git short half-way through its own write (and leave its locks behind)."""
    try:
        return subprocess.run(
            ("git", *args),
            cwd=cwd,
            input=input,
            capture_output=True,
            env=clean_env(env),
            check=False,
            pass_fds=lock_mod.held_fds(),
            start_new_session=detached,
        )
    except FileNotFoundError:
        raise MetiPiError("git is not installed or not on PATH; install git") from None


def git(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
) -> str:
    """Run git in `cwd`; its stdout as text. GitFailed (exit 3) when git fails and `check`."""
    proc = run(cwd, args, input=input, env=env)
    if check and proc.returncode != 0:
        raise failure(args, proc)
    return proc.stdout.decode("utf-8", "replace")


# NO_INDEX_READ (a speed trick the write bench needs at 100,000 records): `git diff-tree` compares two
# trees and needs nothing of the index, yet reads it whole (10 MB at 100k: 10-40 ms). Given an index
# file that does not exist, git starts from an empty index instead; it never writes one. The file is
# named inside a folder that does not exist either (a random name in the temporary folder, never
# created: nothing is left behind when the process is killed, and git's open fails with ENOENT, which
# it takes as "no index").
_NO_INDEX: list[str] = []


def no_index_env() -> dict[str, str]:
    """The environment for a read-only git command that needs no index (`git diff-tree` of two
    trees): GIT_INDEX_FILE naming a file that does not exist."""
    if not _NO_INDEX:
        _NO_INDEX.append(os.path.join(tempfile.gettempdir(), f"meti-pi-no-index-{os.urandom(16).hex()}", "index"))
    return {"GIT_INDEX_FILE": _NO_INDEX[0]}


def failure(args: Sequence[str], proc: subprocess.CompletedProcess[bytes]) -> GitFailed:
    said = proc.stderr.decode("utf-8", "replace").strip()
    lines = [line for line in said.splitlines() if line.strip()]
    return GitFailed(f"git {args[0]} failed: {lines[-1] if lines else 'exit ' + str(proc.returncode)}", said)


def git_bytes(cwd: Path, *args: str) -> bytes:
    proc = run(cwd, args)
    if proc.returncode != 0:
        raise failure(args, proc)
    return proc.stdout


@dataclass(frozen=True, slots=True)
class Repo:
    """Where the register sits in git."""

    top: Path  # work tree root
    git_dir: Path
    prefix: str  # register root relative to `top`, '' or 'register/' (with trailing slash)

    def git_path(self, relpath: str) -> str:
        return self.prefix + relpath

    def typed_from(self, here: Path | None, gpath: str) -> str:
        """The file at `gpath` (from the work tree's top) as a command typed in `here` names it: git
        and `meti-pi commit` read a path from the current folder (a path from the top is wrong in a
        sub-folder); absolute from outside the work tree; from the top when `here` is not known."""
        if here is None:
            return gpath
        full, here = self.top / gpath, here.resolve()
        if not here.is_relative_to(self.top):
            return str(full)
        return Path(os.path.relpath(full, here)).as_posix()

    def git_from(self, here: Path | None) -> str:
        """`git` as typed in `here`: told where the work tree is (`git -C TOP`) from outside it."""
        if here is None or here.resolve().is_relative_to(self.top):
            return "git"
        return f"git -C {shlex.quote(str(self.top))}"


def repo_of(register_root: Path) -> Repo:
    """The git work tree holding the register; MetiPiError when there is none."""
    out = git(register_root, "rev-parse", "--is-inside-work-tree", "--show-toplevel", "--absolute-git-dir", check=False)
    lines = out.splitlines()
    if len(lines) < 3 or lines[0] != "true":
        raise MetiPiError(
            f"{register_root} is not inside a git work tree; run `git init` there (the git history is the audit trail)"
        )
    top = Path(lines[1]).resolve()
    _TOP_OF[register_root] = top  # has_filters asked from the register's folder asks its repository once
    prefix = os.path.relpath(register_root.resolve(), top).replace(os.sep, "/")
    return Repo(top=top, git_dir=Path(lines[2]), prefix="" if prefix == "." else prefix + "/")


def head_commit(register_root: Path) -> str | None:
    """The commit HEAD points at (None in a repository without commits)."""
    out = git(register_root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return out or None


def text_at(repo: Repo, rev: str, gpath: str) -> str | None:
    """A file's text at `rev`, through the filters its attributes name (as a checkout has it)."""
    data = bytes_at(repo, rev, gpath)
    return None if data is None else data.decode("utf-8", "surrogateescape")


def bytes_at(repo: Repo, rev: str, gpath: str) -> bytes | None:
    """A file's bytes at `rev` through the filters its attributes name (as a checkout has them);
    None where it did not exist."""
    proc = run(
        repo.top,
        ("cat-file", "--filters", f"{rev}:{gpath}")
        if has_filters(repo.top)
        else ("cat-file", "blob", f"{rev}:{gpath}"),
    )
    return proc.stdout if proc.returncode == 0 else None


def differ_from_head(repo: Repo, gpaths: Sequence[str]) -> set[str]:
    """The paths of `gpaths` whose work-tree (or staged) content is not HEAD's (`git diff HEAD`,
    through filters and line-ending conversion as git counts them); asked only where a refusal
    says so: it reads git's whole index."""
    if not gpaths:
        return set()
    out = git(
        repo.top,
        "--literal-pathspecs",
        "diff",
        "--name-only",
        "-z",
        "HEAD",
        "--",
        *gpaths,
        check=False,
        env={"GIT_OPTIONAL_LOCKS": "0"},
    )
    return {p for p in out.split("\0") if p}


def read_at(register_root: Path, rev: str, relpath: str) -> str | None:
    """The text of a register file at a git revision (None where it did not exist)."""
    repo = repo_of(register_root)
    return text_at(repo, rev, repo.git_path(relpath))


_FILTERS: dict[Path, bool] = {}
# Folders repo_of was asked about -> their work tree's top: git's configuration is the repository's,
# the same from any folder in it (one `git config` process a command, not one per folder asked from).
_TOP_OF: dict[Path, Path] = {}


def has_filters(top: Path) -> bool:
    """The repository configures a clean/smudge filter (git-crypt, transcrypt, git-lfs...): blobs
    must then be read through it (`cat-file --filters`), as a checkout would, never raw."""
    top = _TOP_OF.get(top, top)
    if top not in _FILTERS:
        out = git(top, "config", "--get-regexp", r"^filter\..*\.(smudge|process)$", check=False)
        _FILTERS[top] = bool(out.strip())
    return _FILTERS[top]


def cat_file(
    top: Path, names: Sequence[str], *, missing_ok: bool = False, paths: dict[str, str] | None = None
) -> dict[str, bytes]:
    """Objects by name (a sha or `REV:path`), read with one `git cat-file --batch`.

    With `paths` (name -> path in the repository) in a repository that configures filters, each blob
    is read through the filters its path's attributes name (`--filters`: the text a checkout has)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    if paths is not None and has_filters(top) and all(n in paths for n in wanted):
        # One process a blob: `cat-file --batch --filters` prints the unfiltered size in its header
        # (git 2.39), so its output cannot be split. Only cache misses come here, only where filters are.
        found: dict[str, bytes] = {}
        for name in wanted:
            one = run(top, ("cat-file", "--filters", f"--path={paths[name]}", name))
            if one.returncode != 0:
                if not missing_ok:
                    raise MetiPiError(
                        f"object {name[:10]} could not be read through its filter; run `git fsck` and check the filter"
                    )
                continue
            found[name] = one.stdout
        return found
    proc = run(top, ("cat-file", "--batch"), input="".join(n + "\n" for n in wanted).encode("utf-8"))
    if proc.returncode != 0:
        raise MetiPiError("git cat-file failed: the repository may be damaged; run `git fsck`")
    out, pos, found = proc.stdout, 0, {}
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:  # "<name> missing"
            if not missing_ok:
                raise MetiPiError(f"object {name[:10]} is missing from the repository; run `git fsck`")
            pos = end + 1
            continue
        size = int(header[2])
        found[name] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return found


def read_blobs(register_root: Path, shas: Sequence[str], relpaths: dict[str, str] | None = None) -> dict[str, bytes]:
    """The contents of blobs by sha; with `relpaths` (sha -> path below the register) read through
    the repository's filters where it configures any (a git-crypt register reads as plain text)."""
    repo = repo_of(register_root)
    paths = {sha: repo.prefix + rel for sha, rel in relpaths.items()} if relpaths is not None else None
    return cat_file(repo.top, shas, paths=paths)


class BlobStream:
    """BLOB_STREAM (a speed trick the write bench needs at 100,000 records): one `git cat-file
    --batch` kept open for one register read, asked for blobs many times.

    A lazy read (meti_pi.store.lazy) builds records a few at a time, as the checks ask for them;
    one git process per ask cost more than the parsing. The process reads only (no lock of
    meti-pi's is handed to it) and ends when its stdin closes: when `close` is called, when the
    stream is collected, or when this process exits. In a repository that configures filters it is
    not used (each blob is read through its filter, `cat_file`)."""

    CHUNK = 256  # names written before their answers are read: well inside a pipe's buffer

    def __init__(self, top: Path) -> None:
        self.top = top
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: Callable[[], object] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            try:
                self._proc = subprocess.Popen(
                    ("git", "cat-file", "--batch"),
                    cwd=self.top,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=clean_env(),
                )
            except FileNotFoundError:
                raise MetiPiError("git is not installed or not on PATH; install git") from None
            self._finalizer = weakref.finalize(self, _end, self._proc)
        return self._proc

    def read(self, names: Sequence[str]) -> dict[str, bytes]:
        """Objects by name (a sha); MetiPiError when one is missing or git fails."""
        wanted = list(dict.fromkeys(names))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), self.CHUNK):
            chunk = wanted[start : start + self.CHUNK]
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write("".join(n + "\n" for n in chunk).encode("utf-8"))
                proc.stdin.flush()
                for name in chunk:
                    header = proc.stdout.readline().split()
                    if len(header) != 3:  # "<name> missing", or git gone (empty)
                        self.close()
                        raise MetiPiError(f"object {name[:10]} is missing from the repository; run `git fsck`")
                    size = int(header[2])
                    data = proc.stdout.read(size + 1)
                    if len(data) != size + 1:
                        raise OSError("short read")
                    found[name] = data[:size]
            except (OSError, ValueError):
                self.close()
                raise MetiPiError("git cat-file failed: the repository may be damaged; run `git fsck`") from None
        return found

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._proc = self._finalizer = None


def _end(proc: subprocess.Popen[bytes]) -> None:
    """End a `cat-file --batch`: close its stdin (it exits at end of input) and reap it."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
