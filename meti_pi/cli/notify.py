"""`meti-pi notify`: Art. 35/36 notices — draft and record them, move them through their states,
log 台帳 events, and check the register.

Surface (the contract's two forms, plus verbs for the rest):
  meti-pi notify FILE_ID [--kind K] [--format md|docx] [--out DIR] [--json] [--dry-run]
  meti-pi notify --check [--json]
  meti-pi notify submit NOTICE_ID [--on DATE] [--ref DOC] [--late-reason TEXT]
  meti-pi notify acknowledge NOTICE_ID [--on DATE] [--ref DOC]
  meti-pi notify explain NOTICE_ID --reason TEXT
  meti-pi notify withdraw NOTICE_ID --reason TEXT
  meti-pi notify render NOTICE_ID [--format md|docx] [--out DIR]
  meti-pi notify log FILE_ID --kind provision|purpose_change|disposal|storage|use|other --summary TEXT ...
  meti-pi notify record FILE_ID --kind appi-74-1|appi-74-3 [--on DATE] [--ref DOC] [--late-reason TEXT]

`notify` is a group whose default verb is `draft`: an argument that is not a verb name is a
FILE_ID for `draft`, and `--check` selects the `check` verb. So `notify F-2026-AB12CD`,
`notify draft F-2026-AB12CD`, `notify --check` and `notify check` all work. (A file whose id
is literally a verb name is drafted with `notify draft ID`.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from meti_pi.cli.common import (
    DryRunOpt,
    JsonOpt,
    in_folder,
    option_date,
    print_json,
    read_register_lazily,
    register_folder,
    report_problems,
    state,
)

DEFAULT_VERB = "draft"
CHECK_FLAG = "--check"


class NotifyGroup(TyperGroup):
    """A group that routes `notify FILE_ID ...` to `draft` and `notify --check` to `check`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not ctx.resilient_parsing:
            args = route(args, set(self.commands), set(ctx.help_option_names))
        return super().parse_args(ctx, args)

    # `notify --help` shows the two routes with what they take: it listed only -h (an outside
    # new-user run: `notify FILE_ID --format docx --out DIR` works, its help named neither).
    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, "FILE_ID [OPTIONS]")
        for args in (f"{CHECK_FLAG} [--json]", "COMMAND [ARGS]..."):
            formatter.write_usage(ctx.command_path, args, prefix=" " * len("Usage: "))

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The default route's argument and options (those of `draft`), `--check`, then the verbs."""
        draft, check = self.commands[DEFAULT_VERB], self.commands["check"]
        # the argument first, then the options, in one list (one column of names)
        params = sorted(draft.params, key=lambda p: p.param_type_name != "argument")
        with formatter.section(f"Options of `{ctx.command_path} FILE_ID` (same as `notify draft FILE_ID`)"):
            formatter.write_dl([r for r in (p.get_help_record(ctx) for p in params) if r is not None])
        check_help = (check.short_help or check.help or "").rstrip(".")
        own = [r for r in (p.get_help_record(ctx) for p in self.get_params(ctx)) if r is not None]
        with formatter.section("Options"):
            formatter.write_dl([(f"{CHECK_FLAG} [--json]", f"{check_help} (same as `notify check`)."), *own])
        self.format_commands(ctx, formatter)


def route(args: list[str], verbs: set[str], help_names: set[str]) -> list[str]:
    """The arguments with the verb made explicit (pure, for tests)."""
    head = args[0]
    if head in verbs or head in help_names:
        return args
    before_dashdash = args[: args.index("--")] if "--" in args else args
    if CHECK_FLAG in before_dashdash:
        i = args.index(CHECK_FLAG)
        return ["check", *args[:i], *args[i + 1 :]]
    return [DEFAULT_VERB, *args]


app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)
notify_app = typer.Typer(
    cls=NotifyGroup,
    no_args_is_help=True,
    rich_markup_mode=None,
    help=(
        "Art. 35/36 notices to the 副総括: decide, draft (Markdown/Word), record in the 台帳; --check.\n\n"
        "meti-pi notify FILE_ID drafts each notice the file requires (same as `notify draft FILE_ID`); "
        "meti-pi notify --check lists required notices missing, late or stale (same as `notify check`)."
    ),
)
app.add_typer(notify_app, name="notify")

KindOpt = Annotated[
    list[str] | None, typer.Option("--kind", help="Only this notice: 35-1, 35-2, 35-3 or 36 (repeatable).")
]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="Date it happened, YYYY-MM-DD (default: today).", show_default=False)
]
RefOpt = Annotated[
    str | None, typer.Option("--ref", help="Document reference (文書番号, mail, path).", show_default=False)
]
LateReasonOpt = Annotated[
    str | None, typer.Option("--late-reason", help="Why it is made after its due date.", show_default=False)
]


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


@notify_app.command("draft")
def draft_cmd(
    ctx: typer.Context,
    file_id: Annotated[str, typer.Argument(metavar="FILE_ID", help="The ファイル簿 record (files/<FILE_ID>.yaml).")],
    kind: KindOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="md (Markdown) or docx (Word).")] = "md",
    out: Annotated[Path, typer.Option("--out", help="Folder for the drafts (build outputs, not committed).")] = Path(
        "build/notify"
    ),
    halfwidth: Annotated[
        bool, typer.Option("--halfwidth", help="Half-width digits in the draft (default: policy, full-width).")
    ] = False,
    late_reason: Annotated[
        str | None,
        typer.Option(
            "--late-reason",
            help="Why the notice comes after its due date, or a change notice after the change (written into the draft; refused for a notice not late).",
            show_default=False,
        ),
    ] = None,
    redraft: Annotated[
        bool, typer.Option("--redraft", help="Replace a current draft not yet submitted (it is marked withdrawn).")
    ] = False,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Draft each Art. 35/36 notice FILE_ID requires and has not made (or that its changes require).

    Records notifications/<id>.yaml (state drafted, items hash, register commit, draft hashes) and the file's 台帳 entry (ledger/<FILE_ID>.yaml) in one commit, then writes the drafts to --out as <notice id>.md or .docx.

    Nothing is drafted when every required notice is made and current. With --dry-run nothing is written; the Markdown is shown instead.
    """
    from meti_pi.actions import notify as notify_ops

    st = state(ctx)
    result = notify_ops.draft_notices(
        st.register_root,
        file_id,
        today=st.today,
        kinds=kind,
        fmt=fmt,
        fullwidth=False if halfwidth else None,
        late_reason=late_reason,
        redraft=redraft,
        out_dir=out,
        dry_run=dry_run,
        settings=st.settings,
    )
    if json_out:
        print_json(result.as_json())
        return
    if not result.requirements:
        _err(f"files/{file_id} requires no Art. 35/36 notice.")
        for r in result.reasons:
            _err(f"  - {r}")
        return
    for p in result.plans:
        if p.action == "current":
            _err(
                f"Art. {notices_article(p.kind)}: made and current ({p.status.latest_made.id if p.status.latest_made else '-'}); nothing to draft"
            )
        elif p.action == "drafted":
            draft = p.status.pending_draft
            _err(
                f"Art. {notices_article(p.kind)}: draft {draft.id if draft else '?'} awaits submission "
                f"(`meti-pi notify submit {draft.id if draft else 'ID'} --on DATE`; --redraft replaces it)"
            )
    _tell_drafted(result, dry_run)


def _tell_drafted(result: Any, dry_run: bool) -> None:
    """What `notify draft` made: each draft (its Markdown on stdout with --dry-run), then the commit."""
    for d in result.drafted:
        verb = "would draft" if dry_run else "drafted"
        what = "change notice" if d.action == "change" else "notice"
        where = f" -> {', '.join(str(p) for p in d.paths)}" if d.paths else ""
        _err(f"{verb} {d.id}: Art. {notices_article(d.kind)} {what}{where}")
        if d.withdrawn:
            _err(f"  withdrawn (replaced drafts): {', '.join(d.withdrawn)}")
        if d.draft.gaps:
            _err(f"  gaps to fill in the register: {', '.join(d.draft.gaps)}")
        if dry_run:
            if d is not result.drafted[0]:
                sys.stdout.write("\n<!-- pagebreak -->\n\n")
            sys.stdout.write(d.draft.markdown)
    if result.commit:
        _err(f"commit {result.commit[:10]}")


def notices_article(kind: str) -> str:
    from meti_pi.notify.notices import ARTICLE

    return ARTICLE.get(kind, kind)


@notify_app.command("check")
def check_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List required notices missing, made late, or stale (the file changed since); exit 1 if any.

    Notices not yet due and late notices whose reason is recorded are listed but do not fail.
    """
    from meti_pi.notify import findings as notice_findings

    st = state(ctx)
    with read_register_lazily(ctx) as reg:
        findings, ledger = notice_findings.register_check(reg, st.today)
    failing = [f for f in findings if f.failing]
    listed = [f for f in findings if not f.failing]
    if json_out:
        print_json(
            {
                "ok": not failing,
                "problems": [f.as_json() for f in failing],
                "pending": [f.as_json() for f in listed if f.status == "due"],
                "explained": [f.as_json() for f in listed if f.status not in ("due", "obsolete")],
                "obsolete": [f.as_json() for f in listed if f.status == "obsolete"],
                "ledger": [p.as_json() for p in ledger],
            }
        )
    else:
        shown = [*(f.problem("error") for f in failing), *(f.problem("info") for f in listed)]
        folder = register_folder(st, shown)  # the findings' files as reached from the user's folder
        for p in shown:
            typer.echo(p.render(folder))
        report_problems(ledger, st)
        verdict = "ok" if not failing else "NOTICES MISSING OR OUT OF DATE"
        obsolete = sum(f.status == "obsolete" for f in listed)
        _err(
            f"{verdict}: {len(failing)} problems, {sum(f.status == 'due' for f in listed)} pending"
            + (f", {obsolete} obsolete draft(s) to withdraw" if obsolete else "")
        )
    if failing:
        raise typer.Exit(1)


def _state_cmd(
    ctx: typer.Context,
    notice_id: str,
    action: str,
    on: str | None,
    ref: str | None,
    late_reason: str | None,
    json_out: bool,
    dry_run: bool,
) -> None:
    from meti_pi.actions import notify as notify_ops

    st = state(ctx)
    result = notify_ops.set_state(
        st.register_root,
        notice_id,
        action,
        today=st.today,
        on=option_date("--on", on),
        ref=ref,
        late_reason=late_reason,
        dry_run=dry_run,
        settings=st.settings,
    )
    if json_out:
        print_json(result.as_json())
    else:
        what = "the reason for lateness of" if action == "explain" else ""  # its state did not change
        _err(
            f"{'would record' if dry_run else 'recorded'}: {what + ' ' if what else ''}{notice_id}"
            + ("" if what else f" {result.state}")
            + (f" (commit {result.commit[:10]})" if result.commit else "")
        )
        for w in result.warnings:
            _err(f"warning: {w}")


@notify_app.command("submit")
def submit_cmd(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(metavar="NOTICE_ID", help="The notice (notifications/<NOTICE_ID>.yaml).")],
    on: OnOpt = None,
    ref: RefOpt = None,
    late_reason: LateReasonOpt = None,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record that a drafted notice was submitted to the 副総括 (drafted → submitted), in the notice and the 台帳."""
    _state_cmd(ctx, notice_id, "submit", on, ref, late_reason, json_out, dry_run)


@notify_app.command("acknowledge")
def acknowledge_cmd(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(metavar="NOTICE_ID", help="The notice (notifications/<NOTICE_ID>.yaml).")],
    on: OnOpt = None,
    ref: RefOpt = None,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record that the 副総括 acknowledged a submitted notice (submitted → acknowledged)."""
    _state_cmd(ctx, notice_id, "acknowledge", on, ref, None, json_out, dry_run)


@notify_app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(metavar="NOTICE_ID", help="The late notice.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was made after its due date.")],
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record why a submitted notice was late; `notify --check` then lists it without failing."""
    _state_cmd(ctx, notice_id, "explain", None, None, reason, json_out, dry_run)


@notify_app.command("record")
def record_cmd(
    ctx: typer.Context,
    file_id: Annotated[str, typer.Argument(metavar="FILE_ID", help="The ファイル簿 record.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="appi-74-1 (notice to the PPC before holding or changing the file) or "
            "appi-74-3 (the file is no longer held, or fell under 74(2)(ix)).",
        ),
    ],
    on: OnOpt = None,
    ref: RefOpt = None,
    late_reason: LateReasonOpt = None,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record the ministry's own notice to the PPC (個人情報保護委員会) under APPI 74(1) or 74(3); `notify --check` lists those due."""
    from meti_pi.actions import notify as notify_ops

    st = state(ctx)
    result = notify_ops.record_ppc_notice(
        st.register_root,
        file_id,
        kind,
        today=st.today,
        on=option_date("--on", on),
        ref=ref,
        late_reason=late_reason,
        dry_run=dry_run,
        settings=st.settings,
    )
    if json_out:
        print_json(result.as_json())
    else:
        _err(
            f"{'would record' if dry_run else 'recorded'} {result.id}: {notices_article(kind)} notice to the PPC for files/{file_id} "
            f"on {result.on}" + (f" (commit {result.commit[:10]})" if result.commit else "")
        )


@notify_app.command("withdraw")
def withdraw_cmd(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(metavar="NOTICE_ID", help="The draft (notifications/<NOTICE_ID>.yaml).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn, e.g. the file was reclassified.")],
    on: OnOpt = None,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """End a draft that was never submitted (drafted → withdrawn), with its reason, in the notice, the 台帳 and the trail."""
    _state_cmd(ctx, notice_id, "withdraw", on, None, reason, json_out, dry_run)


@notify_app.command("render")
def render_cmd(
    ctx: typer.Context,
    notice_id: Annotated[
        str, typer.Argument(metavar="NOTICE_ID", help="A recorded notice (notifications/<NOTICE_ID>.yaml).")
    ],
    fmt: Annotated[str, typer.Option("--format", help="md (Markdown) or docx (Word).")] = "md",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write <NOTICE_ID>.md/.docx to (md without --out: stdout; docx: default build/notify).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Render a recorded notice again, in either format, from the register as it was drafted.

    The content is the draft's: the register is read at the notice's register_commit. No id is allocated, nothing is recorded or committed, the notice keeps its state.
    """
    from meti_pi.actions import notify as notify_ops

    st = state(ctx)
    result = notify_ops.render_notice(st.register_root, notice_id, fmt=fmt, today=st.today, settings=st.settings)
    if fmt == "md" and out is None and not json_out:
        sys.stdout.write(result.data.decode("utf-8"))
    else:
        from meti_pi.render.outfile import out_folder

        folder = out_folder(out or Path("build/notify"))
        result.path = folder / f"{result.id}.{fmt}"
        result.path.write_bytes(result.data)
    if json_out:
        print_json(result.as_json())
        return
    if result.path:
        _err(f"wrote {result.path} ({result.id}: Art. {notices_article(result.kind)}, {result.title})")
    if result.same_as_recorded is False:
        _err(
            f"note: the layout of drafts has changed since {result.id} was recorded; the facts are those of commit "
            f"{(result.register_commit or 'HEAD')[:10]}, the Markdown differs from the recorded draft's hash"
        )


@notify_app.command("log")
def log_cmd(
    ctx: typer.Context,
    file_id: Annotated[str, typer.Argument(metavar="FILE_ID", help="The ファイル簿 record.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="provision (Art. 12), purpose_change (Art. 9(3)), disposal (Art. 21), storage, use, other."
        ),
    ],
    summary: Annotated[str, typer.Option("--summary", help="What happened, without personal data.")],
    on: OnOpt = None,
    recipient: Annotated[
        str | None, typer.Option("--recipient", help="Provision: to whom (required for provision).", show_default=False)
    ] = None,
    basis: Annotated[
        str | None,
        typer.Option("--basis", help="Legal basis, e.g. 個人情報保護法第69条第2項第3号.", show_default=False),
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="Disposal: how (erasure, destruction of media).", show_default=False)
    ] = None,
    ref: RefOpt = None,
    json_out: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Append a use or storage event to the file's 台帳 entry (Art. 38) and commit."""
    from meti_pi.actions import notify as notify_ops

    st = state(ctx)
    result = notify_ops.log_event(
        st.register_root,
        file_id,
        kind,
        today=st.today,
        summary=summary,
        on=option_date("--on", on),
        recipient=recipient,
        basis=basis,
        method=method,
        ref=ref,
        dry_run=dry_run,
        settings=st.settings,
    )
    if json_out:
        print_json(result.as_json())
    else:
        _err(
            f"{'would log' if dry_run else 'logged'} {kind} on {result.event['date']} in ledger/{file_id}"
            + (f" (commit {result.commit[:10]})" if result.commit else "")
        )
        if kind == "disposal":
            _err(in_folder(f"note: if the whole file is no longer held, set holding.end in files/{file_id}.yaml", st))
