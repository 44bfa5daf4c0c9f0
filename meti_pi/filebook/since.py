"""`export filebook --since REV`: what changed in the ファイル簿 since a published version, read from git."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.dates.wareki import DEFAULT_ERAS, Eras, count
from meti_pi.errors import UsageError
from meti_pi.filebook.book import KEYS, MASK, Filebook, Snapshot, as_of_line, build, md_cell, md_text, norm
from meti_pi.render.word import right
from meti_pi.store import policy as policy_mod
from meti_pi.store import yamlload


@dataclass
class Change:
    """One file added, removed or changed; `fields` are (key, before, after), masked."""

    kind: str  # "added" | "removed" | "changed"
    id: str
    name: str
    fields: list[tuple[str, str, str]]


@dataclass
class Diff:
    rev: str
    commit: str
    commit_date: date
    changes: list[Change]
    headers: dict[str, str]  # json key -> header as published (the newer book's, under its policy)
    # (json key, header before, header after) of the fields whose published header changed (policy
    # filebook.headers: fields 13-18)
    header_changes: list[tuple[str, str, str]] = field(default_factory=list)


def _mask(value: str, secrets: list[str]) -> str:
    needles = [n for n in (norm(s) for s in secrets) if n]
    return MASK if any(n in norm(value) for n in needles) else value


def diff(old: Filebook, new: Filebook, *, rev: str = "", commit: str = "", commit_date: date | None = None) -> Diff:
    """Rows added, removed and changed from `old` to `new` (matched by file id).

    Every value shown is masked (MASK) when it holds a text withheld under 75(3) in either
    version, so a diff never republishes a withheld part. A removed file shows only its name
    as previously published.
    """
    before = {r.id: r for r in old.rows}
    after = {r.id: r for r in new.rows}
    changes: list[Change] = []
    for fid in sorted(before.keys() | after.keys()):
        secrets = old.secrets.get(fid, []) + new.secrets.get(fid, [])
        b, a = before.get(fid), after.get(fid)
        if b is None and a is not None:
            fields = [(k, "", _mask(v, secrets)) for k, v in zip(KEYS, a.values, strict=True) if v]
            changes.append(Change("added", fid, _mask(a.values[0], secrets), fields))
        elif a is None and b is not None:
            changes.append(Change("removed", fid, _mask(b.values[0], secrets), []))
        elif a is not None and b is not None and a.values != b.values:
            fields = [
                (k, _mask(bv, secrets), _mask(av, secrets))
                for k, bv, av in zip(KEYS, b.values, a.values, strict=True)
                if bv != av
            ]
            changes.append(Change("changed", fid, _mask(a.values[0], secrets), fields))
    before_headers = dict(old.fields)
    renamed = [(k, before_headers[k], h) for k, h in new.fields if before_headers.get(k, h) != h]
    return Diff(rev, commit, commit_date or date.min, changes, dict(new.fields), renamed)


DIFF_HEADERS = ("区分", "個人情報ファイルの名称", "項目", "変更前", "変更後")
KIND_LABELS = {"added": "追加", "removed": "削除", "changed": "変更"}
RENAMED_LABEL = "項目名の変更"


def diff_rows(d: Diff) -> list[tuple[str, str, str, str, str]]:
    """One row per changed header (first), then one per changed field (a removed file: one row
    without a field)."""
    out = [(RENAMED_LABEL, "", after, before, after) for _key, before, after in d.header_changes]
    for c in d.changes:
        if not c.fields:
            out.append((KIND_LABELS[c.kind], c.name, "", "", ""))
        for key, before, after in c.fields:
            out.append((KIND_LABELS[c.kind], c.name, d.headers[key], before, after))
    return out


def diff_markdown(d: Diff, *, today: date, fullwidth_digits: bool = True, eras: Eras = DEFAULT_ERAS) -> str:

    lines = [
        f"# 個人情報ファイル簿の変更（{md_text(d.rev)} 以降）",
        "",
        right(as_of_line(today, fullwidth_digits, eras)),
        "",
    ]
    if not d.changes and not d.header_changes:
        return "\n".join([*lines, "変更はありません。", ""])

    def n(items: list[Any]) -> str:  # a count in the document's digit style, as its date and numbering
        return count(len(items), fullwidth_digits=fullwidth_digits)

    if d.header_changes:
        lines += [f"## {RENAMED_LABEL}（{n(d.header_changes)}件）", "", "| 変更前 | 変更後 |", "|---|---|"]
        lines += [f"| {md_cell(before)} | {md_cell(after)} |" for _key, before, after in d.header_changes]
        lines.append("")
    for kind in ("added", "removed", "changed"):
        group = [c for c in d.changes if c.kind == kind]
        if not group:
            continue
        lines += [f"## {KIND_LABELS[kind]}（{n(group)}件）", ""]
        for c in group:
            lines += [f"### {md_text(c.name)}", ""]
            if kind == "removed":
                lines += ["ファイル簿から削除する。", ""]
                continue
            lines += ["| 項目 | 変更前 | 変更後 |", "|---|---|---|"]
            lines += [f"| {md_cell(d.headers[k])} | {md_cell(b)} | {md_cell(a)} |" for k, b, a in c.fields]
            lines.append("")
    return "\n".join(lines)


def diff_json(d: Diff) -> dict[str, Any]:
    return {
        "since": d.rev,
        "since_commit": d.commit,
        "since_date": d.commit_date.isoformat(),
        "header_changes": [{"key": k, "before": b, "after": a} for k, b, a in d.header_changes],
        "changes": [
            {
                "change": c.kind,
                "id": c.id,
                "name": c.name,
                "fields": [{"key": k, "before": b, "after": a} for k, b, a in c.fields],
            }
            for c in d.changes
        ],
    }


# Only read-only git through meti_pi.gitlayer. TODO(lead): a `read_tree_at` in gitlayer.runner (one
# `git cat-file --batch` instead of one `git show` per file) would replace this.

TREE_PARTS = ("files", "divisions", "policy.yaml", "register.yaml")


def resolve_commit(root: Path, rev: str) -> tuple[str, date]:
    """(full sha, commit date) of `rev`; UsageError (exit 2) when it names no commit."""
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\x00\n\r"):
        raise UsageError(f"--since {rev!r}: not a revision")
    repo = gitlayer.repo_of(root)
    sha = gitlayer.git(repo.top, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False).strip()
    if not sha:
        raise UsageError(f"--since {rev}: no such commit in this repository (try a tag, a commit id or HEAD~1)")
    when = gitlayer.git(repo.top, "show", "-s", "--format=%cs", sha).strip()
    return sha, date.fromisoformat(when)


def read_tree_at(root: Path, rev: str, parts: Iterable[str] = TREE_PARTS) -> dict[str, str]:
    """Register-relative path -> text of the register files under `parts` at commit `rev`."""
    repo = gitlayer.repo_of(root)
    targets = [repo.git_path(p) for p in parts]
    listing = gitlayer.git(repo.top, "ls-tree", "-r", "-z", "--name-only", rev, "--", *targets)
    out: dict[str, str] = {}
    for gpath in filter(None, listing.split("\0")):
        rel = gpath[len(repo.prefix) :] if repo.prefix else gpath
        if not rel.endswith((".yaml", ".yml")):
            continue
        text = gitlayer.read_at(root, rev, rel)
        if text is not None:
            out[rel] = text
    return out


def snapshot_from_texts(texts: dict[str, str]) -> Snapshot:
    """A Snapshot from register file texts (unreadable files are skipped: an old version is
    shown as it can be read)."""

    def load(text: str) -> Any:
        try:
            return yamlload.load(text)
        except yamlload.YamlFault:
            return None

    files: dict[str, tuple[str, dict[str, Any]]] = {}
    divisions: dict[str, dict[str, Any]] = {}
    user_policy: dict[str, Any] = {}
    organisation = ""
    for rel, text in sorted(texts.items()):
        data = load(text)
        if not isinstance(data, dict):
            continue
        parts = rel.split("/")
        if rel == "policy.yaml":
            user_policy = data
        elif rel == "register.yaml":
            named = data.get("organisation")
            organisation = named if isinstance(named, str) else ""
        elif len(parts) == 2 and parts[0] == "files":
            files[parts[1].rsplit(".", 1)[0]] = (rel, data)
        elif len(parts) == 2 and parts[0] == "divisions":
            divisions[parts[1].rsplit(".", 1)[0]] = data
    return Snapshot(files, divisions, policy_mod.merged(user_policy), organisation)


def since(root: Path, rev: str, current: Filebook) -> Diff:
    """What changed in the ファイル簿 between commit `rev` (on its own date) and `current`."""
    sha, when = resolve_commit(root, rev)
    old = build(snapshot_from_texts(read_tree_at(root, sha)), when)
    return diff(old, current, rev=rev, commit=sha, commit_date=when)
