"""The evidence pack of an audit: the register at a commit, its trail, as a zip or a folder."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import gitlayer, gitlog
from meti_pi.errors import MetiPiError, Problem, UsageError
from meti_pi.render.outfile import check_out_folder, out_folder, write_bytes_atomically
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store.problems import failing_records
from meti_pi.store.register import Register, tree_of

# NOTE for the lead: the git calls below go through meti_pi.gitlayer.git / git_bytes / repo_of (the
# trail through gitlayer.history, at the pack's commit); a
# `gitlayer.archive(register_root, rev) -> (sha, {relpath: bytes})` there would let this section drop
# its git arguments entirely.


@dataclass(frozen=True, slots=True)
class Pack:
    """An exported evidence pack."""

    path: Path
    commit: str
    format: str
    files: int
    trail: int
    sha256: str | None
    # The errors of the records the pack holds that fail their schema (or cannot be read) at that commit:
    # the pack is still made, evidence of the register as it is, and the command warns of them.
    failing: tuple[Problem, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "commit": self.commit,
            "format": self.format,
            "files": self.files,
            "trail_commits": self.trail,
            "sha256": self.sha256,
            "schema_failures": [p.as_json() for p in self.failing],
        }


def _register_at(root: Path, rev: str) -> tuple[str, str, dict[str, bytes], list[dict[str, Any]]]:
    """(commit sha, commit date, register files at that commit, the trail up to it)."""
    import tarfile

    repo = gitlayer.repo_of(root)
    sha = gitlayer.git(repo.top, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False).strip()
    if not sha and gitlayer.head_commit(root) is None:  # not the --commit's fault: there is none to take
        raise MetiPiError(
            "the repository has no commit yet: an evidence pack is of a commit (the register and its trail at"
            " it), and the register is in none. Commit the register first (`git add -A` and `git commit` in it,"
            " or `meti-pi commit` of its files), then take the pack"
        )
    if not sha:
        raise UsageError(f"--commit {rev!r}: no such commit in {repo.top}")
    when = gitlayer.git(repo.top, "show", "-s", "--format=%cI", sha).strip()
    target = repo.prefix.rstrip("/") or "."
    raw = gitlayer.git_bytes(repo.top, "archive", "--format=tar", sha, "--", target)
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name[len(repo.prefix) :] if member.name.startswith(repo.prefix) else member.name
            if name.startswith("/") or ".." in name.split("/"):
                continue  # never write outside the pack
            handle = tar.extractfile(member)
            if handle is not None:
                files[name] = handle.read()

    trail = gitlayer.history(root, at=sha, files=False)  # the trail.json it held: no files per commit
    return sha, when, files, trail


def _pack_members(
    sha: str, when: str, files: dict[str, bytes], trail: list[dict[str, Any]], folder: str
) -> dict[str, bytes]:
    """The pack's files: functions of the commit alone, never of the day the pack is made, so the same
    commit gives the same bytes (the sha256 an audit notes is checked by making the pack again).
    `folder`: the register's folder in its repository ("" at the top), for the README's git command."""
    members = {f"register/{name}": data for name, data in files.items()}
    manifest = {
        "pack": "meti-pi evidence pack (規程第42条)",
        "commit": sha,
        "commit_date": when,
        "files": [
            {"path": f"register/{n}", "sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)}
            for n, d in sorted(files.items())
        ],
        "trail_commits": len(trail),
    }
    members["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    members["trail.json"] = (json.dumps(trail, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    lines = [gitlayer.trail_line(c, sha_chars=12) for c in trail]
    # subjects and authors as text to read: their control characters escaped (trail.json holds them as git does)
    members["trail.txt"] = ("\n".join(gitlog.printable(line) for line in lines) + "\n").encode("utf-8")
    # 登録簿, the register: 台帳 is the rule's word for one kind it holds (Art. 38, ledger/)
    tree = f"{sha}:{folder}" if folder else sha  # the register's folder alone, as register/ holds it
    readme = (
        "証跡パック（経済産業省個人情報保護管理規程第42条の監査用）\n\n"
        f"- 登録簿のコミット: {sha}（{when}）\n"
        "- register/: 当該コミット時点の登録簿（YAML）\n- trail.json / trail.txt: 当該コミットまでの変更履歴（git log、meti-pi のトレーラ付き）\n"
        "- manifest.json: 各ファイルの sha256\n\n"
        f"再現: 登録簿のリポジトリで `git archive {tree}` を実行すると、register/ と同じファイルを取り出せる。\n"
    )
    members["README.txt"] = readme.encode("utf-8")
    return members


def evidence_pack(
    root: Path,
    out: Path | None,
    *,
    rev: str = "HEAD",
    fmt: str = "zip",
    into: Path | None = None,
    settings: Settings = DEFAULT,
) -> Pack:
    """Export the register and its git trail at commit `rev` to `out` (a zip or a new folder).

    `out` None: `evidence-<commit>.zip` (or a folder of that name) inside `into`. The zip is
    reproducible: fixed member order and timestamps (the commit's date), and nothing of the day it
    is made (that is the audit record's: note_pack), so the same commit always gives the same sha256. The pack takes the register as it is; Pack.failing holds the
    errors of its records that fail their schema at that commit (failing_at).
    """
    if fmt not in ("zip", "dir"):
        raise UsageError(f"--format {fmt!r}: zip or dir")
    sha, when, files, trail = _register_at(root, rev)
    if out is None:
        out = (into or root.parent) / (f"evidence-{sha[:12]}" + (".zip" if fmt == "zip" else ""))
    reusable = fmt == "dir" and out.is_dir() and not any(out.iterdir())  # an empty folder may be filled
    if out.exists() and not reusable:
        raise UsageError(f"{out}: already exists; choose a new path (an evidence pack is never overwritten)")
    # a file in the way: said, not a crash
    check_out_folder(out, "--out") if fmt == "dir" else check_out_folder(out.parent, "--out's folder")
    members = _pack_members(sha, when, files, trail, gitlayer.repo_of(root.resolve()).prefix.rstrip("/"))
    if fmt == "dir":
        out_folder(out)
        for name, data in sorted(members.items()):
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return Pack(out, sha, fmt, len(files), len(trail), None, failing_at(root, sha, settings))
    import zipfile
    from datetime import datetime

    stamp = datetime.fromisoformat(when)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in sorted(members.items()):
            info = zipfile.ZipInfo(f"evidence-{sha[:12]}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compresslevel=9)
    blob = buf.getvalue()
    out_folder(out.parent)
    write_bytes_atomically(out, blob)
    digest, count = hashlib.sha256(blob).hexdigest(), len(files)
    del members, files, blob, buf  # the pack's bytes, let go before the register is read for failing_at
    return Pack(out, sha, fmt, count, len(trail), digest, failing_at(root, sha, settings))


def failing_at(root: Path, sha: str, settings: Settings = DEFAULT) -> tuple[Problem, ...]:
    """The errors of the records of the register at commit `sha` that fail their schema or cannot be
    read, at their lines: the register read at that commit lazily, each record's problems as the
    read cache keeps them by content (store.problems.failing_records), parsed only where it has none."""
    reg = Register.load(root, at=tree_of(root, sha, settings), settings=settings)
    found = failing_records(reg)
    reg.flush_cache()  # what was parsed is kept for the next command
    return tuple(found)


def note_pack(doc: Any, pack: Pack, *, today: date) -> None:
    """Note the evidence pack in the audit document `doc`."""
    entry: dict[str, Any] = {
        "commit": pack.commit,
        "generated_on": today.isoformat(),
        "format": pack.format,
        "files": pack.files,
    }
    if pack.sha256:
        entry["sha256"] = pack.sha256
    if "evidence" not in doc:
        doc["evidence"] = []
    doc["evidence"].append(entry)
