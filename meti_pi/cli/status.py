"""`meti-pi status`: one screen of everything due or overdue across the register."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from meti_pi.cli.common import JsonOpt, console, print_json, read_register_lazily, state, unbounded

if TYPE_CHECKING:
    from meti_pi.checks.status import DueItem

app = typer.Typer(add_completion=False)  # completion is the root's (meti-pi --install-completion)

# Rows the screen lists before it summarises the rest (overdue first, the oldest first): a large
# register has thousands of items due, and a screen of them all is no overview. --all lists them.
SCREEN_ROWS = 50


@app.command("status")
def status_cmd(
    ctx: typer.Context,
    json_out: JsonOpt = False,
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, max=36_600, help="Also list what falls due within this many days.")
    ] = 30,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when anything is overdue (for CI and hooks).")] = False,
    all_items: Annotated[
        bool,
        typer.Option("--all", help=f"List every item on the screen (else the first {SCREEN_ROWS}; --json lists all)."),
    ] = False,
) -> None:
    """Everything due or overdue: Art. 35/36 notices, incident deadlines, Art. 41
    inspections (a year skipped stays due), Art. 14(4) contractor confirmations, open corrective actions."""
    from meti_pi.checks import status

    st = state(ctx)
    with read_register_lazily(ctx, ("files", "notifications")) as reg:  # no 台帳 read
        items = status.due_items(reg, st.today, horizon_days=horizon)
    counts = status.summary(items)
    if json_out:
        print_json(
            {
                "today": st.today.isoformat(),
                "horizon_days": horizon,
                **counts,
                "items": [i.as_json(st.today) for i in items],
            }
        )
    else:
        _screen(items, counts, st.today, horizon, None if all_items else SCREEN_ROWS)
    if check and counts["overdue"]:
        raise typer.Exit(1)


def _screen(items: list[DueItem], counts: dict[str, Any], today: date, horizon: int, limit: int | None) -> None:
    from rich.table import Table

    from meti_pi.checks.status import CATEGORY_JA

    c = console()
    head = f"{today.isoformat()} 現在　期限経過 {counts['overdue']}件　{horizon}日以内・対応中 {counts['due']}件"
    if not items:
        c.print(head + "　— 対応を要する事項はありません")
        return
    # Four columns that wrap, so the screen stays readable at 80 columns too. Piped, without COLUMNS:
    # as wide as the contents, one line per item (grep sees its date, reference and division together).
    piped = unbounded(c)
    sep = " " if piped else "\n"
    if piped:
        c.print(head)  # not as the table's title: rich pads that to the table's width
    table = Table(title=None if piped else head, title_justify="left", expand=not piped)
    table.add_column("期限", no_wrap=True)
    table.add_column("残日数", justify="right", no_wrap=True)
    table.add_column("区分・条項", min_width=10, overflow="fold")
    table.add_column("内容（参照）", ratio=3, min_width=24, overflow="fold")
    table.add_column("課等", ratio=1, overflow="fold")
    shown = items if limit is None else items[:limit]
    for i in shown:
        days = i.days_left(today)
        style = "bold red" if i.overdue else ("yellow" if days is not None and days <= 7 else "")
        table.add_row(
            i.due.isoformat() if i.due else "—",
            "—" if days is None else str(days),
            f"{CATEGORY_JA[i.category]}{sep}{_article_cell(i.article)}",
            f"{i.title}{sep}({i.ref})",
            i.division or "—",
            style=style,
        )
    c.print(table)
    if len(shown) < len(items):
        by = "、".join(
            f"{CATEGORY_JA[cat]} {n['overdue'] + n['due']}件"
            for cat, n in counts["by_category"].items()
            if n["overdue"] + n["due"]
        )
        c.print(
            f"ほか {len(items) - len(shown)}件（全 {len(items)}件: {by}）。"
            "すべて表示するには meti-pi status --all（--json はすべてを出力）"
        )


def _article_cell(article: str) -> str:
    """'35(1)' -> '第35条第1項' (the rule's own article); 'APPI 74(1)' -> '法第74条第1項' (the law's:
    it read '第APPI 74条第1項')."""
    from meti_pi.inspect.checklist import article_ja

    law, _, number = article.rpartition(" ")
    return f"{_LAW_JA.get(law, law)}第{article_ja(number)}"


_LAW_JA = {"": "", "APPI": "法"}  # the law an obligation's article is of: none, the rule's own
