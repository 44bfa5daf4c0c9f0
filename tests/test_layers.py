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

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "meti_pi"

# Highest first: a unit may import the units below it, never those above it.
LAYERS: tuple[str, ...] = (
    "__main__",     # python -m meti_pi
    "cli",          # parse arguments, call one action, print, set the exit status
    "actions",      # what each command group does; opens the write transaction
    "checks",       # whole-register views: validate, its CI formats, the due list (status)
    "inspect",      # Arts. 41-43: checklist, inspections, audits, reviews
    "notify",       # Arts. 35/36 notices and their drafts
    "incident",     # Arts. 39/40 incidents and their reports
    "filebook",     # the public ファイル簿
    "classify",     # Art. 16: detection, counting, the class
    "trail",        # history --verify: every commit's register validated
    "gitlayer",     # the only code that runs git: the write transaction, journal, lock, runner, trailers
    "store",        # the register model, loading, YAML, schemas, the read cache, kinds, ids
    "gitlog",       # reading commits out of `git log`
    "procs",        # the one module that starts processes
    "render",       # Word, Excel, output files
    "dates",        # the Japanese calendar and 和暦
    "errors",       # Problem and the exceptions
    "fastschemas",  # generated validators
    "meti_pi",      # the package root: __version__, PACKAGE_DIR
)

# Edges (importer module -> imported module) that break the layering or close a cycle, and why.
# Each is a debt: remove the entry when the import goes; the list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {
    ('gitlayer.transaction', 'checks.validate'): "the transaction validates the change before it commits (next: actions/ pass the check in)",
    ('gitlayer.transaction', 'classify.screening'): "the commit message is screened for personal data (issue 15; next: free-text screening, which needs only check digits, moves below gitlayer)",
    ('store.blobs', 'gitlayer'): "the read cache asks git for blob ids through gitlayer's runner (next: runner, lock and fs become a package below store, the transaction stays above)",
    ('store.register', 'gitlayer'): "the register reads blobs and trees at a commit through gitlayer's runner (as store.cache)",
    ('store.limits', 'store.register'): "max_file_bytes reads the register's policy (next: Register.load_policy moves to store.policy)",
    ('inspect.inspection_checks', 'checks.validate'): "uses validate's shared problem helpers (next: the helpers move down into checks' own leaf module, or into inspect)",
    ('store.register', 'checks.validate'): 'Register.problems re-checks the schema of loaded records (next: the schema check moves into store/)',
    ('trail', 'checks.validate'): "history --verify validates each commit's register (next: trail becomes an action that is handed the check)",
    ('store.packaged', 'store.schema'): "SchemaCopyState compares a register's .schemas/ with schemas_dir(); schema finds its data via packaged (next: SchemaCopyState moves into schema or actions)",
}

# Imports inside functions of meti_pi modules: (importer, imported) -> why not at the top.
# "startup": the importer is on the path of `meti-pi --help` or a cheap command and the imported
#            module (or a library it imports) is heavy (tests/test_startup.py measures the import).
# "cycle":   a top-level import would be circular; the edge is also in ALLOWED.
# "review":  an import in core that hid the old 9-module cycle, which the layering no longer has;
#            each is to move to the top unless the start-up test needs it (then "startup"); not
#            yet reviewed one by one. Listed so that no new one appears unnoticed.
LAZY: dict[tuple[str, str], str] = {
    ('actions.notify_drafting', 'actions.records'): 'review',
    ('actions.notify_drafting', 'checks.validate'): 'review',
    ('actions.notify_drafting', 'gitlayer'): 'review',
    ('actions.notify_drafting', 'store.ids'): 'review',
    ('actions.notify_drafting', 'store.yamlload'): 'review',
    ('actions.notify_ledger', 'classify.screening'): 'review',
    ('actions.notify_ledger', 'gitlayer'): 'review',
    ('actions.notify_states', 'gitlayer'): 'review',
    ('actions.notify_states', 'store.ids'): 'review',
    ('actions.records', 'store.beppyo'): 'review',
    ('actions.records', 'store.ids'): 'review',
    ('actions.records', 'store.limits'): 'review',
    ('actions.records', 'store.packaged'): 'review',
    ('actions.records', 'store.schema'): 'review',
    ('checks.status', 'inspect.checklist'): 'review',
    ('checks.status', 'notify.notices'): 'review',
    ('checks.validate', 'classify.checkdigits'): 'review',
    ('checks.validate', 'filebook.book'): 'review',
    ('checks.validate', 'incident.incidents'): 'review',
    ('checks.validate', 'inspect.checklist'): 'review',
    ('checks.validate', 'inspect.inspection_checks'): 'review',
    ('checks.validate', 'notify.notices'): 'review',
    ('checks.validate', 'procs'): 'review',
    ('classify.decision', 'classify.detect'): 'review',
    ('classify.profile', 'classify.detect'): 'review',
    ('classify.scan', 'classify.datasets'): 'review',
    ('classify.scan', 'classify.screening'): 'review',
    ('classify.screening', 'store.schema'): 'review',
    ('classify.values', 'dates.wareki'): 'review',
    ('classify.vocabulary', 'store.yamlload'): 'review',
    ('cli', 'cli.common'): 'startup',
    ('cli', 'meti_pi'): 'startup',
    ('cli', 'store.limits'): 'startup',
    ('cli', 'store.blobs'): 'startup',
    ('cli.classify', 'classify.classification'): 'startup',
    ('cli.classify', 'classify.detect'): 'startup',
    ('cli.classify', 'gitlayer'): 'startup',
    ('cli.classify', 'store.ids'): 'startup',
    ('cli.classify', 'store.limits'): 'startup',
    ('cli.classify', 'store.policy'): 'startup',
    ('cli.classify', 'store.register'): 'startup',
    ('cli.classify', 'store.yamlload'): 'startup',
    ('cli.common', 'gitlayer'): 'startup',
    ('cli.common', 'store.limits'): 'startup',
    ('cli.common', 'store.register'): 'startup',
    ('cli.export', 'checks.validate'): 'startup',
    ('cli.export', 'filebook.book'): 'startup',
    ('cli.export', 'filebook.since'): 'startup',
    ('cli.export', 'render.excel'): 'startup',
    ('cli.export', 'render.outfile'): 'startup',
    ('cli.export', 'render.word'): 'startup',
    ('cli.export', 'store.sqlite_export'): 'startup',
    ('cli.incident', 'actions.records'): 'startup',
    ('cli.incident', 'classify.screening'): 'startup',
    ('cli.incident', 'gitlayer'): 'startup',
    ('cli.incident', 'incident.incidents'): 'startup',
    ('cli.incident', 'incident.reports'): 'startup',
    ('cli.incident', 'store.limits'): 'startup',
    ('cli.incident', 'store.yamlio'): 'startup',
    ('cli.incident', 'store.yamlload'): 'startup',
    ('cli.inspect', 'actions.records'): 'startup',
    ('cli.inspect', 'dates.wareki'): 'startup',
    ('cli.inspect', 'gitlayer'): 'startup',
    ('cli.inspect', 'inspect.checklist'): 'startup',
    ('cli.inspect', 'inspect.inspection'): 'startup',
    ('cli.inspect', 'store.limits'): 'startup',
    ('cli.inspect', 'store.yamlload'): 'startup',
    ('cli.notify', 'actions.notify'): 'startup',
    ('cli.notify', 'gitlayer'): 'startup',
    ('cli.notify', 'notify.notices'): 'startup',
    ('cli.register_cmds', 'actions.records'): 'startup',
    ('cli.register_cmds', 'checks.ci_formats'): 'startup',
    ('cli.register_cmds', 'checks.validate'): 'startup',
    ('cli.register_cmds', 'gitlayer'): 'startup',
    ('cli.register_cmds', 'render.outfile'): 'startup',
    ('cli.register_cmds', 'store.kinds'): 'startup',
    ('cli.register_cmds', 'store.schema'): 'startup',
    ('cli.register_cmds', 'trail'): 'startup',
    ('cli.schemas_cmd', 'actions.records'): 'startup',
    ('cli.schemas_cmd', 'gitlayer'): 'startup',
    ('cli.schemas_cmd', 'store.packaged'): 'startup',
    ('cli.schemas_cmd', 'store.schema'): 'startup',
    ('cli.status', 'checks.status'): 'startup',
    ('cli.status', 'inspect.checklist'): 'startup',
    ('filebook.book', 'classify.classification'): 'review',
    ('filebook.book', 'dates.wareki'): 'review',
    ('filebook.book', 'render.excel'): 'review',
    ('filebook.book', 'render.word'): 'review',
    ('filebook.book', 'store.yamlload'): 'review',
    ('filebook.since', 'gitlayer'): 'review',
    ('filebook.since', 'render.word'): 'review',
    ('filebook.since', 'store.policy'): 'review',
    ('filebook.since', 'store.yamlload'): 'review',
    ('gitlayer.lock', 'gitlayer.fs'): 'review',
    ('gitlayer.trailers', 'gitlog'): 'review',
    ('gitlayer.transaction', 'checks.validate'): 'cycle',
    ('gitlayer.transaction', 'classify.screening'): 'cycle',
    ('gitlayer.transaction', 'store.cache'): 'review',
    ('gitlayer.transaction', 'store.packaged'): 'review',
    ('gitlayer.transaction', 'store.register'): 'review',
    ('gitlayer.transaction', 'store.schema'): 'review',
    ('gitlayer.transaction', 'store.yamlio'): 'review',
    ('gitlayer.transaction', 'store.yamlload'): 'review',
    ('incident.facts', 'store.limits'): 'review',
    ('incident.records', 'classify.screening'): 'review',
    ('incident.records', 'store.schema'): 'review',
    ('incident.records', 'store.yamlload'): 'review',
    ('incident.reports', 'render.mdsafe'): 'review',
    ('inspect.applicability', 'store.beppyo'): 'review',
    ('inspect.audits', 'gitlayer'): 'review',
    ('inspect.checklist', 'procs'): 'review',
    ('inspect.checklist', 'store.yamlload'): 'review',
    ('inspect.evidence', 'gitlayer'): 'review',
    ('inspect.evidence', 'gitlog'): 'review',
    ('inspect.inspection_checks', 'checks.validate'): 'cycle',
    ('inspect.queries', 'incident.incidents'): 'review',
    ('inspect.queries', 'notify.notices'): 'review',
    ('inspect.queries', 'store.beppyo'): 'review',
    ('inspect.record', 'gitlayer'): 'review',
    ('inspect.report', 'dates.wareki'): 'review',
    ('inspect.report', 'render.excel'): 'review',
    ('inspect.report', 'render.mdsafe'): 'review',
    ('inspect.report', 'render.word'): 'review',
    ('inspect.reviews', 'gitlayer'): 'review',
    ('notify.drafts', 'classify.classification'): 'review',
    ('notify.drafts', 'render.mdsafe'): 'review',
    ('notify.drafts', 'store.beppyo'): 'review',
    ('notify.findings', 'store.schema'): 'review',
    ('notify.findings', 'store.yamlload'): 'review',
    ('notify.requirements', 'classify.classification'): 'review',
    ('render.excel', 'render.ooxml'): 'review',
    ('render.word', 'render.excel'): 'review',
    ('store.blobs', 'gitlayer'): 'cycle',
    ('store.blobs', 'store.schema'): 'review',
    ('store.cache', 'procs'): 'review',
    ('store.limits', 'store.register'): 'cycle',
    ('store.packaged', 'store.schema'): 'cycle',
    ('store.policy', 'errors'): 'review',
    ('store.policy', 'store.schema'): 'review',
    ('store.policy', 'store.yamlload'): 'review',
    ('store.register', 'checks.validate'): 'cycle',
    ('store.register', 'gitlayer'): 'cycle',
    ('store.register', 'procs'): 'review',
    ('store.register', 'store.cache'): 'review',
    ('store.register', 'store.schema'): 'review',
    ('store.schema', 'store.packaged'): 'review',
    ('store.sqlite_export', 'meti_pi'): 'review',
    ('store.sqlite_export', 'store.schema'): 'review',
    ('store.yamlio', 'store.yamlload'): 'review',
    ('trail', 'checks.validate'): 'cycle',
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
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "meti_pi":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.append(candidate if candidate in MODULES or candidate.startswith("meti_pi.fastschemas") else base)
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
            wrong.append(f"{MODULES[a].relative_to(PACKAGE.parent)}:{line}: {ua} imports {_short(b)} ({ub} is not below {ua})")
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
    assert unlisted == [], f"imports inside functions not in LAZY (move to the top, or list with the reason): {unlisted}"
    stale = sorted(set(LAZY) - lazy)
    assert stale == [], f"no longer imported inside a function: remove from LAZY: {stale}"
    assert set(LAZY.values()) <= {"startup", "cycle", "review"}


@pytest.mark.parametrize("edge", sorted(e for e, why in LAZY.items() if why == "cycle"))
def test_cycle_lazy_imports_are_allowed_violations(edge):
    assert edge in ALLOWED, f"{edge} is imported inside a function to dodge a cycle, but no cycle is allowed for it"
