"""Core of the register commands: initialise, add a record, find and resolve records."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from meti_pi import gitlayer
from meti_pi.actions.hand_commit import commit_paths
from meti_pi.actions.transaction import Transaction, transaction
from meti_pi.actions.uncommitted import status_codes
from meti_pi.errors import MetiPiError, Problem, RuleViolation, UsageError
from meti_pi.gitlayer.fs import TMP
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import lazy, yamlload
from meti_pi.store.beppyo import gou_otsu
from meti_pi.store.ids import valid_id
from meti_pi.store.kinds import KINDS
from meti_pi.store.locate import file_in_the_way
from meti_pi.store.packaged import REGISTER_SCHEMAS, data_dir
from meti_pi.store.problems import as_fields_file_edit
from meti_pi.store.register import REGISTER_FILE, Record, Register, list_record_files
from meti_pi.store.schema import SchemaCopyState, load_schema
from meti_pi.store.schema_examples import example_value, field_type, ref_followed


def template_dir() -> Path:
    """The shipped register (rule facts only) that `init` copies, packaged as `meti_pi/data/register/`."""
    return data_dir("register")


# The register's own .gitignore (KEPT_COPIES_IGNORED): while a change is written, the old version
# of each file is kept beside it and the new one is written beside it first (gitlayer.fs.TMP); a
# `git add -A` made by hand at that moment took them into the user's commit. Ignored, git's own
# commands leave them out; meti-pi's recovery finds them by name, not through git.
KEPT_COPIES_IGNORED = (
    f"# meti-pi's copies of a file while a change to it is written (kept old / new being written)\n.*{TMP}*\n"
)


def init_register(
    directory: Path, *, today: date, settings: Settings = DEFAULT, dry_run: bool = False
) -> tuple[str, list[str]]:
    """Create a register in `directory` and commit it; (commit sha, files written). `dry_run`:
    ('', the record files it would write), nothing created."""
    directory = directory.resolve()
    in_the_way = file_in_the_way(directory)
    if in_the_way is not None:
        where = "is a file" if in_the_way == directory else f"lies under {in_the_way}, a file"
        raise UsageError(f"{directory} {where}, not a folder; give init a folder that is new or holds no register")
    if (directory / REGISTER_FILE).exists():
        raise MetiPiError(f"{directory} already holds a register ({directory / REGISTER_FILE}); nothing done")
    _refuse_an_uncommitted_gitignore(directory)
    if dry_run:
        return "", sorted(list_record_files(template_dir()))
    created = [d for d in (directory, *directory.parents) if not d.exists()]  # deepest first
    # The register's own folders the writes will make (beppyo/, roles/, .schemas/ ...), deepest
    # first: taken away again, while empty, when the commit is refused.
    inner = {Path(rel).parent for rel in list_record_files(template_dir())} | {Path(REGISTER_SCHEMAS)}
    made = [directory / d for d in sorted(inner, key=lambda d: -len(d.parts)) if d.parts]
    created = [d for d in made if not d.exists()] + created
    directory.mkdir(parents=True, exist_ok=True)
    made_repo = False
    try:
        try:
            gitlayer.repo_of(directory)
        except MetiPiError:
            gitlayer.git(directory, "init", "-q")
            made_repo = True
        template = template_dir()
        files = sorted(list_record_files(template))
        with transaction(
            directory,
            command="init",
            summary="initialise the register (rule facts: 別表, roles, policy, citations)",
            article="5",
            today=today,
            subject_record="register",
            settings=settings,
        ) as tx:
            for rel in files:
                text = (template / rel).read_text(encoding="utf-8")
                tx.write_text(rel, _rebase_modeline(text, rel))
            files += write_schema_copy(tx)
            ignore = _with_kept_copies_ignored(tx.read_text(".gitignore"))
            if ignore is not None:
                tx.write_text(".gitignore", ignore)
                files.append(".gitignore")
    except BaseException:
        _undo_init(directory, created, made_repo)
        raise
    return tx.commit_sha or "", files


def _refuse_an_uncommitted_gitignore(directory: Path) -> None:
    """A .gitignore in the folder that git does not hold yet (untracked, or added and not committed)
    is not taken into init's commit: its lines are the user's, not yet in any commit of theirs, and
    meti-pi commits no one's uncommitted work. Refused (exit 3) with the way out that works for such
    a file (`git restore`, said of a committed file's edits, does nothing for it)."""
    if not (directory / ".gitignore").is_file():
        return
    try:
        repo = gitlayer.repo_of(directory)
    except MetiPiError:
        return  # no repository yet: init makes one, and the file is init's to extend
    gpath = repo.git_path(".gitignore")
    state = status_codes(repo, [gpath]).get(gpath, "")
    if state not in ("??", "A ", "AM"):
        return
    raise MetiPiError(
        f"{gpath}: not committed yet ({'untracked' if state == '??' else 'added, not committed'}); init adds "
        "meti-pi's line to a .gitignore git holds and commits it, and takes no uncommitted file into its commit: "
        f"commit it first (`git add {gpath} && git commit -m 'ignore rules' -- {gpath}`), or move it away, "
        "then run init again"
    )


def _with_kept_copies_ignored(held: str | None) -> str | None:
    """The register folder's .gitignore with meti-pi's kept copies ignored: `held` (the folder's
    own .gitignore, the repository's when the register is its root) kept whole, the lines added at
    its end; None when it ignores them already."""
    if held is None:
        return KEPT_COPIES_IGNORED
    pattern = KEPT_COPIES_IGNORED.splitlines()[-1]
    if pattern in (line.strip() for line in held.splitlines()):
        return None
    eol = "\r\n" if "\r\n" in held else "\n"
    lead = eol if held and not held.endswith("\n") else ""
    return held + lead + KEPT_COPIES_IGNORED.replace("\n", eol)


def _undo_init(directory: Path, created: list[Path], made_repo: bool) -> None:
    """A refused `init` leaves nothing behind: the repository its `git init` made (no commit in it)
    and the folders it created, while they hold nothing else."""
    if made_repo and not gitlayer.git(directory, "rev-parse", "--verify", "-q", "HEAD", check=False).strip():
        shutil.rmtree(directory / ".git", ignore_errors=True)
    for folder in created:
        try:
            folder.rmdir()
        except FileNotFoundError:
            continue  # one of the register's folders the writes did not get to make
        except OSError:
            return  # not empty (or not ours to remove): leave it and its parents


def _rebase_modeline(text: str, rel: str) -> str:
    """Point the editor modeline at the register's own `.schemas/` copy (written by `init`)."""
    first, sep, rest = text.partition("\n")
    if not first.startswith("# yaml-language-server: $schema="):
        return text
    name = first.rsplit("/", 1)[-1]
    return f"# yaml-language-server: $schema={'../' * rel.count('/')}{REGISTER_SCHEMAS}/{name}{sep}{rest}"


def write_schema_copy(tx: Transaction) -> list[str]:
    """Write (or refresh) the register's `.schemas/` copy of the packaged schemas in `tx`; the
    paths that changed."""
    state = SchemaCopyState(tx.root)
    for rel in state.changed:
        tx.write_text(rel, state.packaged[rel])
    return list(state.changed)


def read_fields_file(path: Path, what: str = "fields file") -> dict[str, Any]:
    """Fields of a record given as a YAML file (exit 2 when unreadable); `what`: the file in messages."""
    text, data = yamlload.load_given_file(path, what)
    if data is None:
        raise yamlload.file_fault(
            path, text, "holds no fields (it is empty, or only comments); write each field as a `key: value` line"
        )
    if not isinstance(data, dict):
        raise yamlload.file_fault(
            path, text, f"expected a YAML mapping, not {yamlload.shape(data)}: write each field as a `key: value` line"
        )
    return data


def parse_assignment(item: str) -> tuple[str, Any]:
    """'a.b=VALUE' -> ('a.b', parsed YAML value)."""
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise UsageError(f"--set {item!r}: expected KEY=VALUE")
    try:
        value = yamlload.load(raw) if raw.strip() else ""
    except yamlload.YamlFault as fault:
        if raw.lstrip().startswith(("[", "{")):  # a list or mapping meant, not text: say so
            raise UsageError(f"--set {key}: {raw!r} is not a YAML list or mapping ({fault}); e.g. [a, b]") from None
        value = raw  # text YAML cannot read (a colon in it...) is taken as written
    return key, raw if value is None and raw.strip() not in ("null", "~") else value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """data['a']['b'] = value for key 'a.b'."""
    parts = key.split(".")
    here = data
    for part in parts[:-1]:
        nxt = here.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise UsageError(f"--set {key}: {part} is not a mapping")
        here = nxt
    here[parts[-1]] = value


def required_fields(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Required top-level fields of a kind's schema (id and schema_version excepted), with those a
    conditional rule requires of a record that gives no more: a rule whose `if` only constrains
    fields when given (contractors' `clauses`, required unless `contract.kind` says dispatch)."""
    sch = load_schema(KINDS[kind].schema_file)
    props = sch.get("properties", {})
    names = list(sch.get("required", []))
    for rule in sch.get("allOf") or ():
        cond, then = (rule.get("if"), rule.get("then")) if isinstance(rule, dict) else (None, None)
        if isinstance(cond, dict) and set(cond) <= {"properties"} and isinstance(then, dict):
            names += [n for n in then.get("required") or () if n not in names]
    return [(n, ref_followed(sch, props.get(n, {}))) for n in names if n not in ("id", "schema_version")]


def schema_fields(kind: str) -> list[dict[str, Any]]:
    """Every field of a kind, nested ones with dotted keys (two levels): key, Japanese title,
    type, required (where its parent is present), example and description — what `meti-pi
    schema KIND` prints."""
    sch = load_schema(KINDS[kind].schema_file)
    out: list[dict[str, Any]] = []

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        required = set(node.get("required") or ())
        for name, raw in (node.get("properties") or {}).items():
            if not prefix and name in ("schema_version", "id"):
                continue
            spec = ref_followed(sch, raw)
            key = prefix + name
            out.append(
                {
                    "key": key,
                    "title": spec.get("title", ""),
                    "type": field_type(sch, spec),
                    "required": name in required,
                    "example": example_value(sch, spec),  # an object by its parts: {phone: …}
                    "description": spec.get("description", ""),
                }
            )
            if spec.get("type") == "object" and depth < 2:
                walk(spec, key + ".", depth + 1)

    walk(sch, "", 1)
    # Fields a rule requires only in some records (allOf if/then): say when.
    for rule in sch.get("allOf") or ():
        then = rule.get("then") if isinstance(rule, dict) else None
        for name in (then or {}).get("required") or ():
            for f in out:
                if f["key"] == name and not f["required"] and then is not None:
                    f["required_when"] = then.get("description") or "another field's value requires it"
    return out


def coerce(raw: str, spec: dict[str, Any]) -> Any:
    """A prompted answer as the type the schema wants."""
    kind = spec.get("type")
    if kind in ("array", "object", "integer", "boolean", "number"):
        try:
            return yamlload.load(raw)
        except yamlload.YamlFault:
            raise UsageError(f"{raw!r} is not a valid {kind}") from None
    return raw


def new_record(
    root: Path,
    kind: str,
    data: dict[str, Any],
    *,
    record_id: str | None,
    year: int | None,
    today: date,
    dry_run: bool,
    settings: Settings = DEFAULT,
    given: tuple[Path | None, list[str]] = (None, []),
) -> tuple[str, str | None]:
    """Add one record through the write path; (id, commit sha or None on --dry-run). `given`: the
    --from file and the --set keys the fields came from, where a refusal points its problems."""
    if KINDS[kind].by_year and year is None:
        raise UsageError(f"{kind} records need --year")
    if record_id is None and KINDS[kind].id_prefix is None and isinstance(data.get("id"), str):
        record_id = data["id"]  # a kind that allocates no id takes the one the fields give (--id wins)
    rid = ""
    try:
        with transaction(
            root, command="new", summary=f"new {kind} record", today=today, dry_run=dry_run, settings=settings
        ) as tx:
            rid = tx.create(kind, data, id=record_id, year=year)
    except RuleViolation as refused:
        new = f"{kind}/{year}/{rid}.yaml" if year is not None else f"{kind}/{rid}.yaml"
        from_file, set_keys = given
        labels = {k: f"--set {k}" for k in set_keys}
        raise RuleViolation(
            refused.message,
            tuple(given_at(p, new, from_file, labels, "--set" if set_keys else None) for p in refused.problems),
        ) from None
    return rid, tx.commit_sha


def given_at(
    p: Problem, new: str, from_file: Path | None, labels: dict[str, str], fallback: str | None = None
) -> Problem:
    """A problem of the record being made (`new`, never written) at what gave the field: the option
    `labels` names for it (dotted key -> option, `--set KEY`, `--article`), else the --from file's
    line, else `fallback` (a path no file has was named, with a new random id each try). Placed so,
    it is `given` (its path is the option, or the file as the user typed it, not a register file's)."""
    if p.path != new:
        return p
    steps = yamlload.key_steps(p.key)
    dotted = ".".join(str(s) for s in steps)
    # the option that gave the field, or an object it is part of (an error about a whole object, such
    # as a part missing, is not an option's for one of its parts: the --from file's, when there is one)
    key = next((k for k in reversed(list(labels)) if dotted == k or dotted.startswith(k + ".")), None)
    if steps[:1] == ("id",):  # the id is given by --id (or allocated)
        return Problem("--id", None, p.code, p.message, p.severity, p.key, given=True)
    if key is not None or (from_file is None and fallback is not None):
        at = labels[key] if key is not None else str(fallback)
        return Problem(at, None, p.code, p.message, p.severity, p.key, given=True)
    if from_file is None:
        return p
    try:
        line = yamlload.locate(yamlload.decode(from_file.read_bytes()), steps) or 1
    except (OSError, yamlload.YamlFault, UnicodeError):
        line = None
    # the field is the file's: its line to write there, not --set (nor a record to `meti-pi commit`)
    return Problem(str(from_file), line, p.code, as_fields_file_edit(p.message), p.severity, p.key, given=True)


def require_record(reg: Register, kind: str, rid: str, *, hint: str) -> Record:
    """Record `kind/rid`; UsageError (exit 2: the argument names nothing) for a malformed or unknown id, naming `hint`."""
    if not valid_id(rid):
        raise UsageError(f"{rid!r} is not a valid record id (A-Z a-z 0-9 . _ -, at most 64 characters)")
    rec = reg.get(kind, rid)
    if rec is None:
        raise UsageError(f"{kind}/{rid}: no such record; {hint}")
    return rec


def find_record(reg: Register, ref: str) -> Record:
    """A record by 'kind/id' or by a bare id unique across kinds (exit 2, a usage error, when absent or ambiguous)."""
    if "/" in ref:
        rec = reg.records.get(ref.removesuffix(".yaml"))
        if rec is None:
            raise UsageError(f"no record {ref}; `meti-pi validate` lists what the register holds")
        return rec
    if isinstance(reg.records, lazy.Records):
        # read lazily (show, history): the files named `ref` in each kind, not every record
        named = [f"{k}.yaml" for kind in KINDS for k in reg.keys_of(kind) if k.rpartition("/")[2] == ref]
        reg.records.read(named)
        hits: list[Record] = [r for rel in named if (r := reg.records.made.get(rel)) is not None]
    else:
        hits = [r for r in reg.records.values() if r.id == ref]
    if not hits:
        raise UsageError(f"no record with id {ref!r}; give KIND/ID or an id the register holds")
    if len(hits) > 1:
        # A 台帳 entry shares its file's id, an inspection its 課等's: a bare id means the file, the 課等.
        primary = [h for h in hits if h.kind != "ledger" and not KINDS[h.kind].by_year]
        if len(primary) == 1:
            return primary[0]
        raise UsageError(f"id {ref!r} names several records ({', '.join(h.key for h in hits)}); use kind/id")
    return hits[0]


def resolved_view(reg: Register, rec: Record) -> dict[str, Any]:
    """The record and what its references point at, for `show`."""
    resolved: dict[str, Any] = {}
    data = rec.data

    def system_view(sid: str) -> dict[str, Any]:
        sys_data = reg.data_of("systems", sid)
        if not sys_data:
            return {"id": sid, "missing": True}
        pair = gou_otsu(reg, sys_data)
        return {
            "id": sid,
            "name": sys_data.get("name"),
            "beppyo_row": sys_data.get("beppyo_row"),
            "gou": _unit(pair[0]) if pair else None,
            "otsu": _unit(pair[1]) if pair else None,
        }

    if rec.kind in ("files", "incidents", "inspections", "notifications", "ledger"):
        div_id = data.get("division")
        if rec.kind in ("notifications", "ledger"):
            f = reg.data_of("files", data.get("file", ""))
            resolved["file"] = {"id": data.get("file"), "name": f.get("name") if f else None}
            div_id = f.get("division") if f else None
        div = reg.division_of(div_id)
        if div:
            resolved["division"] = {"id": div_id, "name": div.get("name"), "manager_post": div.get("manager_post")}
    if rec.kind == "files":
        resolved["systems"] = [system_view(s) for s in data.get("systems", [])]
        resolved["contractors"] = [
            {"id": c, "name": (reg.data_of("contractors", c) or {}).get("name")} for c in data.get("contractors", [])
        ]
    if rec.kind == "systems":
        resolved["system"] = system_view(rec.id)
    if rec.kind == "contractors" and data.get("parent"):
        resolved["parent"] = {
            "id": data["parent"],
            "name": (reg.data_of("contractors", data["parent"]) or {}).get("name"),
        }
    return {"key": rec.key, "path": rec.relpath, "record": data, "resolved": resolved}


def reference_lines(resolved: dict[str, Any]) -> list[str]:
    """The resolved references as short readable lines (for `show` on a terminal)."""
    lines: list[str] = []
    if "file" in resolved:
        lines.append(f"個人情報ファイル: {resolved['file']['name']} ({resolved['file']['id']})")
    if "division" in resolved:
        d = resolved["division"]
        lines.append(f"課等: {d['name']} ({d['id']}); 個人情報保護管理者: {d['manager_post']}")
    systems = list(resolved.get("systems", []))
    if "system" in resolved:
        systems.append(resolved["system"])
    for sv in systems:
        if sv.get("missing"):
            lines.append(f"情報システム: {sv['id']} (not in the register)")
            continue
        gou, otsu = sv.get("gou") or {}, sv.get("otsu") or {}
        lines.append(
            f"情報システム: {sv['name']} ({sv['id']}); 別表第{sv['beppyo_row']}項; "
            f"甲: {gou.get('name') or '?'} ({gou.get('division') or 'no division record'}); "
            f"乙: {otsu.get('name') or '?'} ({otsu.get('division') or 'no division record'})"
        )
    for cv in resolved.get("contractors", []):
        lines.append(f"委託先: {cv['name']} ({cv['id']})")
    if "parent" in resolved:
        lines.append(f"再委託元: {resolved['parent']['name']} ({resolved['parent']['id']})")
    return lines


def _unit(unit: Any) -> dict[str, Any]:
    return {"name": unit.name, "division": unit.division_id, "basis": unit.basis}


def commit_hand_edits(
    root: Path, relpaths: list[str], *, message: str, today: date, settings: Settings = DEFAULT, dry_run: bool = False
) -> str | None:
    """`meti-pi commit`: validate records edited by hand and commit exactly those files; the commit,
    or None when they match the last commit ('' for `dry_run`: they would be committed)."""
    return commit_paths(
        root, relpaths, command="commit", summary=message, today=today, settings=settings, dry_run=dry_run
    )
