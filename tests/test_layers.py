"""The layering of meti_pi (ARCHITECTURE.md): allowed import directions, no cycles (issue 17).

Every `import` of a meti_pi module is read with `ast`, at the top of a module AND inside
functions (an import made inside a function still ties the two modules together). Imports under
`if TYPE_CHECKING:` are not run and are skipped.

The rule: each unit (a sub-package, or a top-level module) may import only units listed AFTER it
in LAYERS, and modules inside one sub-package may import each other freely as long as no cycle
forms. Every edge that breaks this is in ALLOWED, with the reason; the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "meti_pi"

# Highest first: a unit may import the units below it, never those above it.
LAYERS: tuple[str, ...] = (
    "__main__",  # python -m meti_pi
    "cli",  # parse arguments, call one action, print, set the exit status
    "actions",  # what each command group does; the write transaction, opened only here
    "checks",  # whole-register views: validate, its CI formats, the due list (status), the trail (history --verify)
    "inspect",  # Arts. 41-43: checklist, inspections, audits, reviews
    "notify",  # Arts. 35/36 notices and their drafts
    "incident",  # Arts. 39/40 incidents and their reports
    "filebook",  # the public ファイル簿
    "classify",  # Art. 16: detection, counting, the class
    "store",  # the register model, loading, YAML, schemas, the read cache, kinds, ids
    "gitlayer",  # the only code that runs git: runner, commit, journal, lock, fs, trailers
    "gitlog",  # reading commits out of `git log`
    "procs",  # the one module that starts processes
    "early",  # a function run in a thread beside the caller (the write path's git checks, a scan's distinct count)
    "gcpause",  # the cyclic collector paused around one pass
    "render",  # Word, Excel, output files
    "dates",  # the Japanese calendar and 和暦
    "settings",  # the core's settings value (cli/ builds it from the environment)
    "errors",  # Problem and the exceptions
    "fastschemas",  # generated validators
    "meti_pi",  # the package root: __version__, PACKAGE_DIR
)

# Edges (importer module -> imported module) that break the layering or close a cycle, and why.
# Each is a debt: remove the entry when the import goes; the list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {}

# Imports inside functions of meti_pi modules: (importer, imported) -> why not at the top.
# "startup": the importer is on the path of `meti-pi --help` or of a command's `--help` (cli/ loads
#            a command's module to show its help), and the imported module, or a library it
#            imports, is heavy: yaml, ruamel, jsonschema, docx, openpyxl, rich... (tests/test_startup.py
#            asserts on the import set).
# "startup: <why>": in core, an import that would add a package's worth of modules to commands that
#            never use it (measured as the modules each command imports, issue 17). Every other
#            import is at the top of its module: none dodges a cycle.
LAZY: dict[tuple[str, str], str] = {
    (
        'actions.transaction',
        'checks.validate',
    ): 'startup: validation pulls every domain package; read-only commands (show, history) import actions/ for their look-ups and never validate',
    (
        'actions.hand_commit',
        'checks.validate',
    ): 'startup: as for actions.transaction: actions.records imports it; read-only commands import actions/',
    (
        'actions.hand_commit',
        'checks.incremental',
    ): 'startup: as checks.validate (the hand-edit commit asks it whether the edited data is kept); read-only commands import actions/',
    (
        'actions.hand_commit',
        'classify.screening',
    ): 'startup: only a subject being committed is screened; read-only commands import actions/',
    (
        'actions.transaction',
        'classify.screening',
    ): 'startup: only a change being committed is screened; read-only commands import actions/',
    (
        'checks.file_checks',
        'filebook.book',
    ): 'startup: filebook/ (and classify/ under it, ~7 ms) only when a file record is checked; a `new` division or `incident open` checks none',
    (
        'checks.file_checks',
        'notify.notices',
    ): 'startup: notify/ (~8 ms) only when a file record is checked',
    (
        'checks.file_checks',
        'classify.decision',
    ): 'startup: classify/ (under filebook/ and notify/) only when a file record is checked, for the policy\'s count lines',
    (
        'checks.validate',
        'filebook.book',
    ): 'startup: filebook/ (and classify/ under it, ~7 ms) only when a file record is checked; a `new` division or `incident open` checks none',
    (
        'checks.validate',
        'notify.notices',
    ): 'startup: notify/ (~8 ms) only when a file record is checked, or for the notice findings (not on the write path)',
    (
        'checks.organisation',
        'inspect.queries',
    ): 'startup: inspect.queries pulls notify/ and incident/; only the whole validation asks it for the 副総括\'s office',
    (
        'checks.validate',
        'incident.incidents',
    ): 'startup: incident/ only for the incident check; the focused check of a `new` of another kind never runs it',
    (
        'checks.organisation',
        'inspect.checklist',
    ): 'startup: the checklist catalogue (7 inspect/ modules and its YAML) only when a 甲 or 乙 has no 課等 record, to name its items',
    (
        'checks.contractors',
        'inspect.checklist',
    ): 'startup: the Art. 14(4) rule pulls the checklist catalogue (7 inspect/ modules), only for a contractor record',
    (
        'classify.columnar',
        'classify.engine',
    ): 'startup: the engine imports polars (~0.4 s), only when a dataset is scanned (issue 18)',
    (
        'classify.columnar',
        'classify.ndjson',
    ): 'startup: as classify.engine (polars), only when a .jsonl dataset is scanned (issue 18)',
    (
        'classify.datasets',
        'classify.header_row',
    ): "startup: the header rules and their vocabulary, only for the --sheet error that names a workbook's sheets and for the header below rows above a table (the .xlsx guard starts before the scanner's modules, which import them before a table is read)",
    (
        'classify.decision',
        'classify.detect',
    ): 'startup: the dataset scanner (10 classify/ modules) only when a dataset is scanned; the class of a record (validate, filebook, notify) needs no scanner',
    (
        'classify.profile',
        'classify.detect',
    ): "startup: as classify.decision (the scanner's vocabulary only for a dataset's profile)",
    ('cli', 'cli.common'): 'startup',
    ('cli', 'meti_pi'): 'startup',
    ('cli', 'store.limits'): 'startup',
    (
        'cli',
        'store.problems',
    ): 'startup: the schema problems, only after a command failed unexpectedly (_schema_cause)',
    (
        'cli',
        'store.register',
    ): 'startup: the register read whole, only after a command failed unexpectedly (_schema_cause)',
    ('cli.classify', 'actions.classify'): 'startup',
    ('cli.audit', 'actions.inspect'): 'startup',
    ('cli.audit', 'actions.records'): 'startup',
    ('cli.audit', 'inspect.inspection'): 'startup',
    ('cli.audit', 'store.problems'): 'startup',
    ('cli.audit', 'store.yamlload'): 'startup',
    ('cli', 'store.blobs'): 'startup',
    ('cli.classify', 'classify.classification'): 'startup',
    (
        'cli.classify',
        'classify.datafile',
    ): 'startup: the dataset checked before the scan (a file that cannot be reached: exit 2)',
    (
        'cli.classify',
        'classify.datasets',
    ): 'startup: the .xlsx guard started before the scanner (classify.detect) is imported',
    ('cli.classify', 'classify.detect'): 'startup',
    ('cli.classify', 'classify.header_row'): 'startup',
    (
        'cli.classify',
        'classify.vocabcopy',
    ): "startup: a register's copy of the vocabulary, read only where there is one",
    ('cli.classify', 'store.ids'): 'startup',
    ('cli.classify', 'store.locate'): 'startup',
    ('cli.classify', 'store.policy'): 'startup',
    ('cli.classify', 'store.yamlload'): 'startup',
    ('cli.common', 'gitlayer'): 'startup',
    ('cli.common', 'notify.projected'): 'startup',
    ('cli.common', 'store.limits'): 'startup',
    ('cli.common', 'store.register'): 'startup',
    ('cli.common', 'store.schema'): 'startup',
    ('cli.common', 'store.locate'): 'startup',
    ('cli.common', 'store.advised'): 'startup',
    ('cli.export', 'checks.hygiene'): 'startup',
    ('cli.export', 'filebook.book'): 'startup',
    ('cli.export', 'filebook.since'): 'startup',
    ('cli.export', 'render.excel'): 'startup',
    ('cli.export', 'render.outfile'): 'startup',
    ('cli.export', 'render.word'): 'startup',
    ('cli.export', 'store.policy'): 'startup',
    ('cli.export', 'store.problems'): 'startup',
    ('cli.export', 'store.sqlite_export'): 'startup',
    ('cli.incident', 'classify.screening'): 'startup',
    ('cli.incident', 'actions.incident'): 'startup',
    ('cli.incident', 'incident.facts'): 'startup',
    ('cli.incident', 'incident.incidents'): 'startup',
    ('cli.incident', 'incident.reports'): 'startup',
    ('cli.incident', 'store.yamlload'): 'startup',
    ('cli.incident', 'render.outfile'): 'startup',
    ('cli.inspect', 'actions.inspect'): 'startup',
    ('cli.inspect', 'actions.records'): 'startup',
    ('cli.inspect', 'dates.wareki'): 'startup',
    ('cli.inspect', 'gitlayer'): 'startup',
    ('cli.inspect', 'inspect.checklist'): 'startup',
    ('cli.inspect', 'inspect.inspection'): 'startup',
    ('cli.inspect', 'inspect.lazyread'): 'startup',
    ('cli.inspect', 'store.limits'): 'startup',
    ('cli.inspect', 'store.policy'): 'startup',
    ('cli.inspect', 'store.yamlload'): 'startup',
    ('cli.inspect', 'render.outfile'): 'startup',
    ('cli.notify', 'actions.notify'): 'startup',
    ('cli.notify', 'notify.notices'): 'startup',
    ('cli.notify', 'notify.findings'): 'startup',
    ('cli.notify', 'render.outfile'): 'startup',
    ('cli.register_cmds', 'actions.records'): 'startup',
    ('cli.register_cmds', 'checks.ci_formats'): 'startup',
    ('cli.register_cmds', 'checks.trail'): 'startup',
    ('cli.register_cmds', 'checks.validate'): 'startup',
    ('cli.register_cmds', 'gitlayer'): 'startup',
    ('cli.register_cmds', 'render.outfile'): 'startup',
    ('cli.register_cmds', 'store.ids'): 'startup',
    ('cli.register_cmds', 'store.kinds'): 'startup',
    ('cli.register_cmds', 'store.schema'): 'startup',
    ('cli.register_cmds', 'store.schema_examples'): 'startup',
    ('cli.register_cmds', 'store.problems'): 'startup',
    ('cli.schemas_cmd', 'actions.schemas'): 'startup',
    ('cli.schemas_cmd', 'classify.vocabcopy'): 'startup',
    ('cli.schemas_cmd', 'classify.vocabulary'): 'startup',
    ('actions.schemas', 'classify.vocabcopy'): 'startup: `schemas --write` does not read the vocabulary',
    (
        'checks.validate',
        'classify.vocabcopy',
    ): "startup: validate reads a register's copy of the vocabulary only where there is one",
    ('cli.schemas_cmd', 'store.packaged'): 'startup',
    ('cli.schemas_cmd', 'store.schema'): 'startup',
    ('cli.status', 'checks.status'): 'startup',
    ('cli.status', 'inspect.checklist'): 'startup',
    (
        'filebook.book',
        'render.excel',
    ): "startup: the Excel writer only for `export`; validate and status use the filebook's checks",
    (
        'filebook.book',
        'render.word',
    ): "startup: the Word writer only for `export`; validate and status use the filebook's checks",
    (
        'incident.records',
        'classify.screening',
    ): 'startup: free-text screening only when an incident is written; `incident list` and validate only read',
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "fastschemas" not in p.parts}


def _unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "meti_pi"
    return "fastschemas" if parts[1] == "fastschemas" else parts[1]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def _imports(module: str) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every meti_pi import of `module`."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.split(".")[0] == "meti_pi"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if base.split(".")[0] != "meti_pi":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.append(
                    candidate if candidate in MODULES or candidate.startswith("meti_pi.fastschemas") else base
                )
        for target in targets:
            if target != module:
                yield target, node.lineno, id(node) in in_function


EDGES: dict[tuple[str, str], tuple[int, bool]] = {}
for _m in MODULES:
    for _t, _line, _lazy in _imports(_m):
        EDGES.setdefault((_m, _t), (_line, _lazy))


def _short(module: str) -> str:
    return module.removeprefix("meti_pi.")


def _edge(a: str, b: str) -> tuple[str, str]:
    return (_short(a), _short(b))


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} - set(LAYERS) == set()


def test_imports_go_down_the_layers():
    rank = {unit: i for i, unit in enumerate(LAYERS)}
    wrong = []
    for (a, b), (line, _) in sorted(EDGES.items()):
        ua, ub = _unit(a), _unit(b)
        if ua != ub and rank[ub] <= rank[ua] and _edge(a, b) not in ALLOWED:
            wrong.append(
                f"{MODULES[a].relative_to(PACKAGE.parent)}:{line}: {ua} imports {_short(b)} ({ub} is not below {ua})"
            )
    assert wrong == [], "\n".join(wrong)


def _cycles(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    graph: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        graph[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return found


def _kept_edges() -> set[tuple[str, str]]:
    return {(a, b) for (a, b) in EDGES if b in MODULES and _edge(a, b) not in ALLOWED}


def test_no_cycle_between_modules():
    assert _cycles(set(MODULES), _kept_edges()) == []


def test_no_cycle_between_units():
    units = {(_unit(a), _unit(b)) for a, b in _kept_edges() if _unit(a) != _unit(b)}
    assert _cycles({_unit(m) for m in MODULES}, units) == []


def test_allow_list_is_not_stale():
    stale = [edge for edge in ALLOWED if edge not in {_edge(a, b) for a, b in EDGES}]
    assert stale == [], f"no longer imported: remove from ALLOWED: {stale}"


def test_imports_inside_functions_are_listed():
    lazy = {_edge(a, b) for (a, b), (_, inside) in EDGES.items() if inside}
    top = {_edge(a, b) for (a, b), (_, inside) in EDGES.items() if not inside}
    unlisted = sorted(lazy - top - set(LAZY))
    assert unlisted == [], (
        f"imports inside functions not in LAZY (move to the top, or list with the reason): {unlisted}"
    )
    stale = sorted(set(LAZY) - lazy)
    assert stale == [], f"no longer imported inside a function: remove from LAZY: {stale}"
    assert all(why == "startup" or why.startswith("startup: ") for why in LAZY.values())


def test_lazy_imports_are_only_for_startup():
    """An import inside a function is there for start-up time: in cli/ (what `--help` loads), or in
    core with the measured reason ("startup: ..."); none dodges a cycle (formerly "cycle", each also
    in ALLOWED) or awaits review (formerly "review")."""
    core = {edge: why for edge, why in LAZY.items() if _unit("meti_pi." + edge[0]) != "cli"}
    assert [edge for edge, why in core.items() if not why.startswith("startup: ")] == [], "say why, after 'startup: '"
    assert all(why == "startup" or why.startswith("startup: ") for why in LAZY.values())


def test_only_actions_open_the_transaction():
    """actions/ are the only callers of the write transaction (issue 17): a module elsewhere that
    imports meti_pi.actions.transaction (transaction, Transaction) or hand_commit (commit_paths), at the top or
    inside a function, fails; a type-only import under TYPE_CHECKING is not run and is allowed."""
    outside = sorted(
        f"{MODULES[a].relative_to(PACKAGE.parent)}:{line}"
        for (a, b), (line, _) in EDGES.items()
        if b in ("meti_pi.actions.transaction", "meti_pi.actions.hand_commit") and _unit(a) != "actions"
    )
    assert outside == [], "open the transaction in an action (meti_pi/actions/<group>.py), not here: " + ", ".join(
        outside
    )


# -- the core is pure (issue 17, item 3) ------------------------------------------------------
# Environment, clock, printing and process exit belong to cli/ (and __main__); the core takes a
# Settings value and `today`. The exceptions, each with its reason:
IMPURE_ALLOWED: dict[tuple[str, str], str] = {
    (
        "gitlayer/runner.py",
        "os.environ",
    ): "passes GIT_* / GIT_CONFIG_* through to git's own process: git's environment, not a meti-pi setting",
    (
        "procs.py",
        "os._exit",
    ): "a forked worker ends without running the parent's exit handlers (the one module that starts processes)",
}
_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("sys", "exit"),
    ("os", "_exit"),
    ("os", "getenv"),
    ("os", "getenvb"),
    ("os", "putenv"),
}  # time.time (file ages, timings) is not "today"


def _impurities(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            name = f"{node.value.id}.{node.attr}"
            if (
                name in ("os.environ", "os.environb", "sys.stdout", "sys.stderr")
                or (node.value.id, node.attr) in _CALLS
            ):
                yield node.lineno, name
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("today", "now", "utcnow")
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ("date", "datetime")
        ):
            yield node.lineno, f"{node.value.attr}.{node.attr}"  # datetime.date.today(), datetime.datetime.now()
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("print", "exit", "quit", "input", "breakpoint")
        ):
            yield node.lineno, node.func.id
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "sys"):
            for alias in node.names:
                if alias.name in ("environ", "environb", "getenv", "_exit", "exit", "stdout", "stderr"):
                    yield node.lineno, f"{node.module}.{alias.name}"


CORE_FILES = sorted(
    p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in ("cli", "__main__.py", "fastschemas")
)


def test_the_core_reads_no_environment_clock_and_neither_prints_nor_exits():
    found = []
    for path in CORE_FILES:
        rel = path.relative_to(PACKAGE).as_posix()
        found += [
            f"meti_pi/{rel}:{line}: {what}" for line, what in _impurities(path) if (rel, what) not in IMPURE_ALLOWED
        ]
    assert found == [], "the core takes settings and `today` from cli/ and returns what to print: " + "; ".join(found)


def test_the_purity_check_finds_what_it_looks_for(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, sys, datetime\nfrom datetime import date\nfrom os import environ\n"
        "a = os.environ.get('X')\nb = date.today()\nc = datetime.datetime.now()\nprint(a)\nsys.exit(1)\n"
        "sys.stderr.write('x')\n",
        encoding="utf-8",
    )
    assert sorted(what for _, what in _impurities(sample)) == sorted(
        ["os.environ", "os.environ", "date.today", "datetime.now", "print", "sys.exit", "sys.stderr"]
    )


def test_impure_exceptions_are_not_stale():
    stale = [
        key
        for key in IMPURE_ALLOWED
        if (PACKAGE / key[0]).is_file() is False or key[1] not in {what for _, what in _impurities(PACKAGE / key[0])}
    ]
    assert stale == []
