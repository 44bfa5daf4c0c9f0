"""Commands on the register itself: init, validate, new, commit, show, history."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from meti_pi.cli.common import (
    AppState,
    DryRunOpt,
    JsonOpt,
    StrictOpt,
    can_prompt,
    console,
    in_folder,
    load_register,
    print_json,
    print_rule,
    read_register_lazily,
    refuse_read_faults,
    register_folder,
    safe_text,
    state,
)
from meti_pi.errors import MetiPiError, UsageError

app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)


class NewCommand(TyperCommand):
    """`new KIND --help` ends with the fields of KIND (as `meti-pi schema KIND` lists them)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["new_kind"] = next(
            (a for a in args if not a.startswith("-")), None
        )  # --help runs before KIND is parsed
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        super().format_help(ctx, formatter)
        from meti_pi.store.kinds import KINDS

        kind = ctx.meta.get("new_kind")
        if kind not in KINDS:
            formatter.write(f"\nKinds: {', '.join(KINDS)}. `meti-pi new KIND --help` lists the fields of KIND.\n")
            return
        formatter.write(_fields_text(kind))


@app.command("init")
def init_cmd(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to create the register (created if missing).")
    ] = Path("register"),
    dry_run: DryRunOpt = False,
) -> None:
    """Create a register: register.yaml, policy.yaml, citations.yaml, the 別表, bureaus and Art. 5 roles.

    The folder is put under git (git init) when it is not already inside a work tree, and the
    new files are committed as the first entry of the audit trail.
    """
    from meti_pi.actions import records as registry_ops

    st = state(ctx)
    sha, files = registry_ops.init_register(directory, today=st.today, settings=st.settings, dry_run=dry_run)
    if dry_run:
        typer.echo(f"would initialise a register in {directory} ({len(files)} record files); nothing was written")
        return
    typer.echo(f"initialised register in {directory} ({len(files)} files, commit {sha[:10]})")


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"


@app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="text: `path:line:` lines; json: as --json; github: GitHub Actions annotations (::error file=…,line=…::…); "
            "junit: a JUnit XML report (GitLab, Jenkins).",
        ),
    ] = ReportFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", dir_okay=False, help="Write the report to FILE instead of stdout (replaced atomically)."
        ),
    ] = None,
) -> None:
    """Check every record: schema, ids = file names, references, 別表, and rule findings (warnings).

    Exit 1 on errors (and on warnings with --strict). Problems are printed as `path:line:`.
    """
    from meti_pi import gitlayer
    from meti_pi.checks.validate import validate_register, validate_work_tree

    if json_out and fmt not in (ReportFormat.text, ReportFormat.json):
        raise UsageError(f"--json and --format {fmt.value} ask for two reports; give one")
    if output is not None and fmt is ReportFormat.text and not json_out:
        raise UsageError("--output needs --format json, github or junit")
    st = state(ctx)
    note = gitlayer.recover_if_needed(st.register_root, here=st.settings.here)
    if note:
        sys.stderr.write(f"meti-pi: {note}\n")
    # The work tree read lazily when the last validate's base applies (only what changed and what it
    # reaches is read); else the register read whole. junit lists every file: the whole way.
    done = validate_work_tree(st.register_root, st.today, st.settings) if fmt is not ReportFormat.junit else None
    if done is None:
        reg: Any = load_register(ctx, unreadable_ok=True)  # listed with every other problem
        problems = validate_register(reg, st.today)
        count = len(reg.records)
    else:
        # A file that is no regular file is among the problems (error[unreadable]): not also "skipped".
        problems, count, _read_faults = done
        reg = None
    from meti_pi.checks.validate import vocabulary_problems
    from meti_pi.store.problems import as_found_on_disk

    # the register's copy of classify's vocabulary: checked afresh (no cached result depends on it)
    problems = [*vocabulary_problems(st.register_root), *problems]
    problems = as_found_on_disk(problems)  # records on disk: the line to write, not new's --set
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if fmt in (ReportFormat.github, ReportFormat.junit) or (output is not None):
        _ci_report(reg, st.register_root, count, problems, "json" if json_out else fmt.value, output, strict=strict)
        verdict = "ok" if not errors else "INVALID"
        sys.stderr.write(f"{verdict}: {count} records, {len(errors)} errors, {len(warnings)} warnings\n")
    elif json_out or fmt is ReportFormat.json:
        print_json(
            {
                "ok": not errors and not (strict and warnings),
                "errors": [p.as_json() for p in errors],
                "warnings": [p.as_json() for p in warnings],
                "records": count,
            }
        )
    else:
        folder = register_folder(st, problems)  # `register/divisions/x.yaml:9:` from the repository's top
        for p in problems:
            typer.echo(p.render(folder))
        verdict = "ok" if not errors else "INVALID"
        typer.echo(f"{verdict}: {count} records, {len(errors)} errors, {len(warnings)} warnings", err=bool(problems))
    if errors or (strict and warnings):
        raise typer.Exit(1)


def _ci_report(
    reg: Any, root: Path, count: int, problems: list[Any], fmt: str, output: Path | None, *, strict: bool
) -> None:
    """validate's report for CI (github, junit) or any report written to --output (`reg`: the register
    read whole, which junit needs; None when the work tree was read lazily)."""
    import json

    from meti_pi import gitlayer
    from meti_pi.checks import ci_formats
    from meti_pi.render.outfile import write_bytes_atomically

    try:
        prefix = gitlayer.repo_of(root).prefix
    except MetiPiError:  # not in git: paths relative to the register
        prefix = ""
    if fmt == "github":
        data = ci_formats.github(problems, prefix).encode("utf-8")
    elif fmt == "junit":
        files = [rec.relpath for rec in (*reg.records.values(), *reg.singletons.values())]
        data = ci_formats.junit(problems, files, prefix=prefix, strict=strict)
    else:
        errors = [p.as_json() for p in problems if p.severity == "error"]
        warnings = [p.as_json() for p in problems if p.severity == "warning"]
        doc = {
            "ok": not errors and not (strict and warnings),
            "errors": errors,
            "warnings": warnings,
            "records": count,
        }
        data = (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes_atomically(output, data)


@app.command("new", cls=NewCommand)
def new_cmd(
    ctx: typer.Context,
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help="Kind of record: files, divisions, systems, contractors, ...")
    ],
    values: Annotated[
        list[str] | None,
        typer.Option("--set", help="KEY=VALUE (dotted keys nest; VALUE is YAML, e.g. [a, b]). Repeatable."),
    ] = None,
    from_file: Annotated[Path | None, typer.Option("--from", help="A YAML file with the record's fields.")] = None,
    record_id: Annotated[
        str | None, typer.Option("--id", help="Id to use (default: allocated, e.g. F-2026-7KQ3XD).")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year folder, for inspections.")] = None,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Add a record with an allocated id, validated against its schema and committed.

    Fields come from --from FILE, --set KEY=VALUE, or (on a terminal, when neither is given)
    prompts for each required field of the kind's schema. `meti-pi schema KIND` lists the fields
    of a kind with their Japanese titles, types, an example and which are required.
    """
    from meti_pi.actions import records as registry_ops
    from meti_pi.store.kinds import KINDS

    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    st = state(ctx)
    data: dict[str, Any] = registry_ops.read_fields_file(from_file) if from_file else {}
    for item in values or []:
        registry_ops.set_dotted(data, *registry_ops.parse_assignment(item))
    if not from_file and not values:
        if not can_prompt():
            raise UsageError("no fields given; use --set KEY=VALUE or --from FILE.yaml (prompts need a terminal)")
        data = _prompt_required(kind)
    rid, sha = registry_ops.new_record(
        st.register_root,
        kind,
        data,
        record_id=record_id,
        year=year,
        today=st.today,
        dry_run=dry_run,
        settings=st.settings,
        given=(from_file, [registry_ops.parse_assignment(item)[0] for item in values or []]),
    )
    if json_out:
        print_json({"kind": kind, "id": rid, "commit": sha, "dry_run": dry_run})
    else:
        key = f"{kind}/{year}/{rid}" if KINDS[kind].by_year else f"{kind}/{rid}"  # as `show` finds it
        typer.echo(f"{'would add' if dry_run else 'added'} {key}" + (f" (commit {sha[:10]})" if sha else ""))
    if kind == "divisions" and "established_on" not in data:
        # A dry run wrote no file to add the day to: it is given with the command run for real.
        # Else the file and the command from the user's folder (`meti-pi --register DIR commit` from elsewhere).
        how = (
            "give the command `--set established_on=YYYY-MM-DD` too"
            if dry_run
            else f"add `established_on: YYYY-MM-DD` to {kind}/{rid}.yaml and run `{_commit_from_here(st)}`"
        )
        typer.echo(
            f"note: {kind}/{rid} has no established_on (設置日): `status` counts its Art. 41 annual inspections as"
            f" owed from the register's first inspection year; if it was set up later, {in_folder(how, st)}",
            err=True,
        )


def _commit_from_here(st: AppState) -> str:
    """`meti-pi commit` as typed in the user's folder (store.advised.Advised.commit)."""
    return "meti-pi commit" if st.advised is None else st.advised.commit


def _prompt_required(kind: str) -> dict[str, Any]:
    """Ask for each required field the schema defines (type-aware); an object is asked part by
    part (its required parts), so `holding` asks for holding.start, not for an object."""
    from meti_pi.actions import records as registry_ops
    from meti_pi.store.kinds import KINDS
    from meti_pi.store.schema import load_schema, value_problem
    from meti_pi.store.schema_examples import field_type, ref_followed

    sch = load_schema(KINDS[kind].schema_file)

    def ask(name: str, spec: dict[str, Any]) -> Any:
        if spec.get("type") == "object" and isinstance(spec.get("properties"), dict):
            typer.echo(f"{name} ({spec.get('title', name)}): {spec.get('description', '')}", err=True)
            parts = spec.get("required") or list(spec["properties"])[:1]
            return {p: ask(f"{name}.{p}", ref_followed(sch, spec["properties"][p])) for p in parts}
        hint = spec.get("description", "")
        if hint:
            typer.echo(f"  {hint}", err=True)
        label = f"{name} ({spec.get('title', name)}; {field_type(sch, spec)})"
        while True:  # a wrong answer is asked again, not refused with every answer at the end
            try:
                value = registry_ops.coerce(typer.prompt(label), spec)
            except UsageError as exc:
                typer.echo(f"  {exc}; answer again", err=True)
                continue
            wrong = value_problem(KINDS[kind].schema_file, spec, value)
            if wrong is None:
                return value
            typer.echo(f"  {wrong}; answer again", err=True)

    return {name: ask(name, spec) for name, spec in registry_ops.required_fields(kind)}


@app.command("schema")
def schema_cmd(
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help="Kind of record: files, divisions, systems, contractors, ...")
    ],
    json_out: JsonOpt = False,
) -> None:
    """List the fields of a kind of record: key, Japanese title, type, required or not, and an example.

    Nested fields are shown with dotted keys (holding.start), as `new --set` takes them.
    """
    from meti_pi.actions import records as registry_ops
    from meti_pi.store.kinds import KINDS

    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    if json_out:
        print_json({"kind": kind, "schema": KINDS[kind].schema_file, "fields": registry_ops.schema_fields(kind)})
        return
    typer.echo(_fields_text(kind).lstrip("\n"), nl=False)  # (the blank line is for `new KIND --help`)


def _fields_text(kind: str) -> str:
    """The fields of a kind, one block each (`schema KIND`, `new KIND --help`)."""
    from meti_pi.actions import records as registry_ops
    from meti_pi.store.kinds import KINDS

    lines = [
        f"\n{kind} ({KINDS[kind].schema_file}): * required, + required in some cases; "
        f"set with `meti-pi new {kind} --set KEY=VALUE`"
    ]
    for f in registry_ops.schema_fields(kind):
        mark = "*" if f["required"] else "+" if f.get("required_when") else " "
        lines.append(f"{mark} {f['key']}  {f['title']}  [{f['type']}]  e.g. {f['example']}")
        if f["description"]:
            lines.append(f"      {f['description']}")
        if f.get("required_when"):
            lines.append(f"      + required when: {f['required_when']}")
    return "\n".join(lines) + "\n"


@app.command("commit")
def commit_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Record files edited by hand.")],
    message: Annotated[str, typer.Option("-m", "--message", help="Summary for the commit subject.")] = "edited by hand",
    dry_run: DryRunOpt = False,
) -> None:
    """Validate records edited by hand and commit exactly those files, with the meti-pi trailers."""
    from meti_pi.actions.records import commit_hand_edits

    st = state(ctx)
    root = st.register_root
    rels = []
    for p in paths:
        full = (Path.cwd() / p).resolve() if not p.is_absolute() else p.resolve()
        if not p.is_absolute() and not full.exists() and ((root / p).exists() or not full.is_relative_to(root)):
            # relative to the register, as meti-pi's own advice names files: also a file deleted there
            # (committed as its deletion) or mistyped (hand_commit names it, from the user's folder)
            full = (root / p).resolve()
        try:
            rels.append(full.relative_to(root).as_posix())
        except ValueError:  # `path` kept: the user's path as typed, not a register file's (cli.common.in_folder)
            raise UsageError(f"{p}: not inside the register {root}", path=p) from None
    sha = commit_hand_edits(root, rels, message=message, today=st.today, settings=st.settings, dry_run=dry_run)
    typer.echo(
        "nothing to commit: the files match the last commit"
        if sha is None
        else "would commit the edited file(s) (valid); nothing was committed (--dry-run)"
        if dry_run
        else f"committed {len(rels)} file(s) as {sha[:10]}"
    )


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="RECORD", help="Record id (F-2026-...) or kind/id.")],
    json_out: JsonOpt = False,
) -> None:
    """A record with its references resolved (division and manager, systems with 別表 row and 甲/乙, contractors)."""
    from meti_pi.actions import records as registry_ops

    # the record and what it names, read lazily (at 100,000 records: not 100,000 records built)
    with read_register_lazily(ctx, (), notices=False) as reg:
        found = registry_ops.find_record(reg, record)
        view = registry_ops.resolved_view(reg, found)
        refuse_read_faults(reg, state(ctx))  # before anything is printed: a reference unreadable is not "missing"
        if json_out:
            print_json(view)
            return
        text = found.text
    from rich.syntax import Syntax

    c = console()
    print_rule(c, f"{found.key}  ({found.relpath})")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# yaml-language-server:"))
    c.print(Syntax(body, "yaml", theme="ansi_dark", background_color="default", word_wrap=True))
    lines = registry_ops.reference_lines(view["resolved"])
    if lines:
        print_rule(c, "references")
        for line in lines:
            c.print(line, markup=False)


@app.command("history")
def history_cmd(
    ctx: typer.Context,
    target: Annotated[
        str | None, typer.Argument(metavar="TARGET", help="Record id, kind/id or path; default: the whole register.")
    ] = None,
    json_out: JsonOpt = False,
    limit: Annotated[int | None, typer.Option("-n", "--limit", min=1, help="At most this many commits.")] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check every commit: meti-pi trailers present, register valid.")
    ] = False,
    strict: StrictOpt = False,
) -> None:
    """Read the audit trail: who changed what, when, by which command and under which article."""
    from meti_pi import gitlayer
    from meti_pi.actions import records as registry_ops

    if strict and not verify:  # else ignored: a CI job's `history --strict` passed whatever the trail held
        raise UsageError("--strict goes with --verify: `meti-pi history --verify --strict`")
    if verify and (target or limit):
        raise UsageError("--verify checks the whole trail: give it no TARGET and no -n/--limit")
    st = state(ctx)
    root = st.register_root
    if verify:
        from meti_pi.checks import trail

        report = trail.verify(root, today=st.today)
        shown = [p for c in report.commits for p in c.introduced]
        # the problems' files and a hand edit's `files:` from the user's folder (Problem.render, trail.rendered)
        folder = "" if json_out else st.register_folder if report.hand_edits else register_folder(st, shown)
        rendered = trail.rendered(report, json_out=json_out, folder=folder)
        # subjects and authors are anyone's text: their colour codes never pass as meti-pi's do on a
        # terminal (an ESC[8m in a hand commit's subject concealed its note and the verdict)
        sys.stdout.write(rendered if json_out else safe_text(rendered))
        if strict and not report.ok:
            raise typer.Exit(1)
        return
    relpath = None
    if target and target.endswith(".yaml"):
        # a path as the shell gives it (from here, or absolute) or relative to the register
        given = Path(target).expanduser().resolve()
        inside = given.is_relative_to(root.resolve()) and (given.exists() or not (root / target).exists())
        relpath = given.relative_to(root.resolve()).as_posix() if inside else target
        if not (root / relpath).resolve().is_relative_to(root.resolve()):  # else git's "outside repository", exit 3
            raise UsageError(f"{target}: not a file of the register {root}; give a record id, KIND/ID or a path in it")
    elif target:
        # the files named `target` alone are read (the register read lazily); one that cannot be
        # read is no record, as when the register was read whole
        with read_register_lazily(ctx, (), notices=False, unreadable_ok=True) as reg:
            try:
                relpath = registry_ops.find_record(reg, target).relpath
            except UsageError:
                # a record deleted since: its trail is that of the file it was (KIND/ID, or an id
                # that was a file of one kind only)
                relpath = _deleted_record_path(root, target)
                if relpath is None:
                    raise
    commits = gitlayer.history(root, relpath, limit=limit)
    if not commits and relpath is not None and not (root / relpath).exists():
        raise UsageError(f"{target}: no such record file in the register, and no commit touched it; check the path")
    if json_out:
        print_json({"target": relpath, "commits": commits})
        return
    if not commits:
        sys.stderr.write(f"meti-pi: no commits touch {relpath or 'the register'} yet\n")
        return
    for c in commits:
        # before a rename the record was another file (gitlayer.history follows it): said on each such commit
        was = f" (as {c['files'][0]})" if relpath and c["files"] and relpath not in c["files"] else ""
        # a subject's colour codes, escaped: they hid a hand edit's [hand edit] on a terminal
        typer.echo(safe_text(gitlayer.trail_line(c) + was))


def _deleted_record_path(root: Path, target: str) -> str | None:
    """The file a record no longer in the register was (`files/F-1`, or the id of a file of one kind,
    a file rather than its 台帳), when a commit touched it; else None."""
    from meti_pi import gitlayer
    from meti_pi.store.ids import valid_id
    from meti_pi.store.kinds import KINDS

    parts = target.removesuffix(".yaml").split("/")
    if not all(valid_id(p) for p in parts):
        return None
    if len(parts) > 1:
        spec = KINDS.get(parts[0])
        candidates = (
            [f"{target.removesuffix('.yaml')}.yaml"] if spec and len(parts) == (3 if spec.by_year else 2) else []
        )
    else:
        candidates = [f"{kind}/{target}.yaml" for kind, spec in KINDS.items() if not spec.by_year]
    found = [rel for rel in candidates if gitlayer.history(root, rel, limit=1)]
    primary = [rel for rel in found if not rel.startswith("ledger/")]
    return found[0] if len(found) == 1 else primary[0] if len(primary) == 1 else None
