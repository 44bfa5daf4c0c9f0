"""`meti-pi schemas`: the JSON Schemas of this meti-pi, and the register's `.schemas/` copy; `meti-pi
vocabulary`: classify's vocabulary, the package's or the register's copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meti_pi.cli.common import DryRunOpt, JsonOpt, print_json, state
from meti_pi.errors import MetiPiError

app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)


def _register_or_none(ctx: typer.Context, write: bool) -> Path | None:
    """The register root; None where there is none, which only --write (it writes there) refuses."""
    try:
        return state(ctx).register_root
    except MetiPiError:
        if write:
            raise
        return None


@app.command("schemas")
def schemas_cmd(
    ctx: typer.Context,
    write: Annotated[
        bool, typer.Option("--write", help="Write (or refresh) the register's .schemas/ copy, as one commit.")
    ] = False,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Where this meti-pi's schemas are, and whether the register's .schemas/ copy is current.

    Record files start with `# yaml-language-server: $schema=../.schemas/<kind>.schema.json`, so
    editors complete and check them as you type. That copy lives in the register (written by
    `init`, refreshed by `schemas --write` after upgrading meti-pi), never in an install folder.
    """
    from meti_pi.actions.schemas import refresh_schema_copy
    from meti_pi.store.packaged import REGISTER_SCHEMAS
    from meti_pi.store.schema import SchemaCopyState, schemas_dir

    st = state(ctx)
    root = _register_or_none(ctx, write)
    copy = SchemaCopyState(root) if root is not None else None
    changed: list[str] = []
    sha = None
    if write and root is not None and copy is not None and copy.changed:
        changed, sha = refresh_schema_copy(root, today=st.today, dry_run=dry_run, settings=st.settings)
    summary = {
        "schemas": str(schemas_dir()),
        "register": str(root) if root is not None else None,
        "missing": [] if copy is None or changed else copy.missing,
        "stale": [] if copy is None or changed else copy.stale,
        "written": changed,
        "commit": sha,
        "dry_run": dry_run,
    }
    if json_out:
        print_json(summary)
        return
    typer.echo(f"schemas of this meti-pi: {summary['schemas']}")
    if copy is None:
        typer.echo("no register found: nothing compared (give --register DIR)")
    elif changed:
        typer.echo(
            f"{'would write' if dry_run else 'wrote'} {len(changed)} file(s) in {REGISTER_SCHEMAS}/"
            + (f" (commit {sha[:10]})" if sha else "")
        )
    elif copy.changed:
        typer.echo(
            f"{REGISTER_SCHEMAS}/: {len(copy.missing)} missing, {len(copy.stale)} out of date; run `meti-pi schemas --write`"
        )
    else:
        typer.echo(f"{REGISTER_SCHEMAS}/ is up to date")


@app.command("vocabulary")
def vocabulary_cmd(
    ctx: typer.Context,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Copy the package's files into the register (those it does not hold yet); into a copy it "
            "holds, add the kinds and categories of the package it lacks, keeping its entries. One commit.",
        ),
    ] = False,
    dry_run: DryRunOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Which vocabulary classify uses: identifier formats and header words (identifiers.yaml), 要配慮 words (sensitive_terms.yaml).

    The package's files hold facts FROM MEMORY (legal brief): a register may hold its own copy of
    either, beside policy.yaml, under git. `--write` makes the copy; edit it, `meti-pi validate`,
    then commit it with git (`git add identifiers.yaml && git commit`). classify then reads the
    register's copy for that register; kinds and categories stay a fixed set. A kind or category a
    newer meti-pi brings and the copy lacks is taken from the package (validate warns); `--write`
    adds it to the copy, keeping the copy's entries.
    """
    from meti_pi.actions.schemas import write_vocabulary_copy
    from meti_pi.classify.vocabcopy import FILES
    from meti_pi.classify.vocabulary import DATA

    st = state(ctx)
    root = _register_or_none(ctx, write)
    written: list[str] = []
    merged: dict[str, list[str]] = {}
    sha = None
    if write and root is not None:
        written, merged, sha = write_vocabulary_copy(root, today=st.today, dry_run=dry_run, settings=st.settings)
    in_use = {
        name: str(root / name) if root is not None and (root / name).is_file() else str(DATA / name) for name in FILES
    }
    if json_out:
        print_json(
            {
                "package": str(DATA),
                "register": str(root) if root else None,
                "in_use": in_use,
                "written": written,
                "added": merged,
                "commit": sha,
                "dry_run": dry_run,
            }
        )
        return
    done = " (commit " + sha[:10] + ")" if sha else ""
    if written:
        typer.echo(f"{'would copy' if dry_run else 'copied'} {', '.join(written)} into {root}{done}")
    for name, added in merged.items():
        typer.echo(
            f"{'would add' if dry_run else 'added'} the package's {', '.join(added)} to {in_use[name]}, "
            f"keeping its entries{done}"
        )
    if write and not written and not merged:
        typer.echo(
            f"{root} holds its own {' and '.join(FILES)} already: nothing copied, and no kind or category of "
            "the package to add (`meti-pi validate` reports any fault of the copies)"
        )
    for name, path in in_use.items():
        typer.echo(f"{name}: classify reads {path}")
    if root is None:
        typer.echo("no register found: the package's files (give --register DIR)")
