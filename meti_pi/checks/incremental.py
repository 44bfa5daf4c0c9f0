"""Incremental validation: after a change, re-run each check only where the change can alter its problems.

The base (kept as data in the read cache, meti_pi.store.cache `base`) is the last full result of
`validate`: each check's problems, the content id of every file read, and every record's
references (meti_pi.store.refs). On the next `validate`, the files whose content id differs are
the change D. For each check, SCOPES says how far its problems reach along references (either
way: a record's targets and the records naming it are its neighbours):

- `(depends, produced)`: the problems located at a record P depend only on the records within
  `depends` hops of P (besides policy, the day and the code), and they are found while the check
  processes one of its subjects within `produced` hops of P. The problems of every record within
  `depends` hops of D (A) are found again by running the check with the records within
  `produced` hops of A as its subjects (Register.focus), the others are the base's;
- `None`: the check runs over the whole register (cheap ones, and those whose problems depend on
  records linked otherwise than by a reference: roles, 別表 rows, 再委託 chains, inspections).

The whole register is checked again when the day, the checks, meti-pi or the schemas (the cache
fingerprint), a root file (policy.yaml ...) or a file that is no record changed, when there is no
base, or when the change reaches too much of the register to be worth it. A check's problems are
listed by file (path order, meti_pi.checks.validate.sorted_by_path), so the same problems come
out in the same order either way: tests/test_validate_incremental.py compares the two byte for
byte over a matrix of edits.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from meti_pi.checks import fields_read
from meti_pi.checks.fields_read import same
from meti_pi.errors import LazyProblem, Problem
from meti_pi.store import refs
from meti_pi.store.kinds import KINDS
from meti_pi.store.register import Register

# A check's problems as stored: (path, line, code, message, severity, key).
Stored = tuple[Any, ...]

BASE_VERSION = 3  # 3: with the read faults and schema problems, and the files that are no record
_SEP = "\x1f"  # between the references of one record in the base
# A change whose re-check would reach more than this share of the records validates the whole way.
MAX_SHARE = 0.25

# By check name (validate.check_*): (depends, produced) hops, or None for the whole register.
SCOPES: dict[str, tuple[int, int] | None] = {
    "check_ids": (0, 0),  # and the records whose id differs only by case (see _case_siblings)
    "check_references": (1, 0),
    "check_ledger_ids": (0, 0),
    "check_beppyo": None,
    "check_roles": None,
    "check_unassigned_duties": None,
    "check_contractor_chain": None,
    "check_contractors": (2, 0),  # its files, or its divisions' files
    "check_files": (0, 0),
    "check_decisions": (0, 0),
    "check_contacts": None,
    "check_consistency": (1, 0),  # a file's 課等
    "check_filebook": (1, 0),  # a file's 課等 (its name may print what the file withholds)
    "check_incidents": (0, 0),
    "check_notices": (2, 1),  # a notice's file and its other notices; the 台帳 of the file
    "check_inspections": None,
    "check_personal_data": (0, 0),  # checks/hygiene: a record's own free text
    # checks/hygiene: its problems are register.yaml's, which only a change of a root file alters,
    # and such a change validates the whole way (incremental_problems)
    "check_named_files": (0, 0),
    # checks/thresholds: policy.yaml's, likewise
    "check_thresholds": (0, 0),
}


def name_of(check: Callable[..., Any]) -> str:
    return f"{getattr(check, '__module__', '')}.{getattr(check, '__qualname__', repr(check))}"


# The modules validate's checks live in: a function of another module by the same name is not one of them.
CHECK_MODULES = (
    "meti_pi.checks.validate",
    "meti_pi.checks.organisation",
    "meti_pi.checks.hygiene",
    "meti_pi.checks.file_checks",
    "meti_pi.checks.contractors",
    "meti_pi.checks.thresholds",
)


def scope_of(check: Callable[..., Any]) -> tuple[int, int] | None:
    if getattr(check, "__module__", "") not in CHECK_MODULES:
        return None
    return SCOPES.get(getattr(check, "__qualname__", ""))


def save_base(
    reg: Register,
    today: date,
    checks: Sequence[Callable[..., Any]],
    found: Sequence[Sequence[Problem]],
    read: tuple[Sequence[Problem], Sequence[Problem]] = ((), ()),
) -> None:
    """Keep what the next validate starts from: the content ids, the references, each check's problems,
    and `read`: the read faults and schema problems (validate on the work tree reads no other file)."""
    view = reg.cache
    graph = RefIndex.build({key: t for key, rec in reg.records.items() if (t := refs.targets_of(rec))})
    norec = {rel for rel, obj in view.objects.items() if obj is None and "/" in rel}
    store_base(view.store, view.ids, graph, today, checks, found, read, norec)


def store_base(
    store: Any,
    ids: dict[str, str],
    graph: RefIndex | None,
    today: date,
    checks: Sequence[Callable[..., Any]],
    found: Sequence[Sequence[Problem]],
    read: tuple[Sequence[Problem], Sequence[Problem]],
    norec: set[str],
    listing: Listing | None = None,
) -> None:
    """Write the base: every file's content id, the references (`graph`), each check's problems
    (`found`), the read faults and schema problems (`read`), the files that are no record
    (`listing`: listed(ids), when the caller has it)."""
    rels, names, cids_text = listing if listing is not None else listed(ids)
    # A separator inside a name (a file or a reference named with a line break...) would misplace
    # the rest: no base then (the next validate checks the whole way).
    if graph is None or names.count("\n") != max(len(rels) - 1, 0):
        return
    index = {
        "version": BASE_VERSION,
        "today": today.isoformat(),
        "checks": tuple(name_of(c) for c in checks),
        "rels": names,
        "ids": cids_text,
        **graph.stored(),
    }
    stored = tuple(tuple(p.fields() for p in part) for part in found)
    loadp, schemap = (tuple(p.fields() for p in part) for part in read)
    cids = {p[0]: ids.get(p[0], "") for part in (*stored, loadp, schemap) for p in part}
    store.save_base(
        index,
        {
            "found": stored,
            "cids": cids,
            "dropped": (),
            "loadp": loadp,
            "schemap": schemap,
            "norec": tuple(sorted(norec)),
        },
    )


def _usable(base: Any, today: date, names: tuple[str, ...]) -> bool:
    return (
        isinstance(base, dict)
        and base.get("version") == BASE_VERSION
        and base.get("today") == today.isoformat()
        and base.get("checks") == names
        and all(isinstance(base.get(k), str) for k in ("rels", "ids"))
        and RefIndex.of(base) is not None
        and isinstance(base.get("found"), tuple)
        and len(base["found"]) == len(names)
    )


# (the paths sorted, then one a line, and their content ids one a line): the base's form of the files.
Listing = tuple[list[str], str, str]


def listed(ids: dict[str, str]) -> Listing:
    """The files `ids` (relpath -> content id) as the base lists them: sorted by path, one a line."""
    rels = sorted(ids)
    return rels, "\n".join(rels), "\n".join([ids[r] for r in rels])


def changed_files(base: dict[str, Any], now: dict[str, str], listing: Listing | None = None) -> set[str] | None:
    """The files whose content id differs from the base's (added and deleted ones included);
    `listing`: listed(now), when the caller has it (and keeps it for store_base)."""
    rels, names, cids = listing if listing is not None else listed(now)
    if base["rels"] == names:
        if base["ids"] == cids:
            return set()
        old_cids = base["ids"].split("\n")
        if len(old_cids) != len(rels):
            return None
        return {rel for rel, a, b in zip(rels, old_cids, map(now.__getitem__, rels)) if a != b}
    old = dict(zip(base["rels"].split("\n"), base["ids"].split("\n")))
    return {rel for rel in old.keys() | now.keys() if old.get(rel) != now.get(rel)}


class RefIndex:
    """The references of every record both ways, as sorted tuples looked up by bisection: long
    tuples of short texts, read in milliseconds at 100,000 records (not 100,000 small dicts).
    `fvals[i]`: the targets of record `fkeys[i]`, `bvals[i]`: the records naming `bkeys[i]`
    (each joined by _SEP)."""

    NAMES = ("fkeys", "fvals", "bkeys", "bvals")

    def __init__(
        self, fkeys: tuple[str, ...], fvals: tuple[str, ...], bkeys: tuple[str, ...], bvals: tuple[str, ...]
    ) -> None:
        self.fkeys, self.fvals, self.bkeys, self.bvals = fkeys, fvals, bkeys, bvals

    @classmethod
    def of(cls, base: dict[str, Any]) -> RefIndex | None:
        """The base's index (None when it holds none, or a damaged one)."""
        memo = base.get("_refindex")
        if isinstance(memo, RefIndex):
            return memo
        fkeys, fvals, bkeys, bvals = (base.get(k) for k in cls.NAMES)
        if not (
            isinstance(fkeys, tuple)
            and isinstance(fvals, tuple)
            and isinstance(bkeys, tuple)
            and isinstance(bvals, tuple)
            and len(fkeys) == len(fvals)
            and len(bkeys) == len(bvals)
        ):
            return None
        found = base["_refindex"] = cls(fkeys, fvals, bkeys, bvals)
        return found

    @classmethod
    def build(cls, forward: dict[str, tuple[str, ...]]) -> RefIndex | None:
        """The index of `forward` (key -> its targets); None when a name holds the separator."""
        back: dict[str, list[str]] = {}
        for key, targets in forward.items():
            for t in targets:
                back.setdefault(t, []).append(key)
        if any(_SEP in k for k in (*forward, *back)):
            return None
        fkeys = tuple(sorted(k for k, t in forward.items() if t))
        bkeys = tuple(sorted(back))
        return cls(
            fkeys, tuple(_SEP.join(forward[k]) for k in fkeys), bkeys, tuple(_SEP.join(sorted(back[k])) for k in bkeys)
        )

    def stored(self) -> dict[str, tuple[str, ...]]:
        return dict(zip(self.NAMES, (self.fkeys, self.fvals, self.bkeys, self.bvals)))

    @staticmethod
    def _find(keys: tuple[str, ...], vals: tuple[str, ...], key: str) -> tuple[str, ...]:
        i = bisect_left(keys, key)
        return tuple(vals[i].split(_SEP)) if i < len(keys) and keys[i] == key else ()

    def targets(self, key: str) -> tuple[str, ...]:
        """The records `key` names."""
        return self._find(self.fkeys, self.fvals, key)

    def referrers(self, key: str) -> tuple[str, ...]:
        """The records naming `key`."""
        return self._find(self.bkeys, self.bvals, key)

    def updated(self, now: dict[str, tuple[str, ...]]) -> RefIndex | None:
        """The index with the references of the records `now` names (key -> its targets now)."""
        if any(_SEP in k for k in (*now, *(t for ts in now.values() for t in ts))):
            return None
        fvals, bvals = list(self.fvals), list(self.bvals)
        for key, targets in now.items():  # the common case: no record gains or loses all references
            old = self.targets(key)
            i = bisect_left(self.fkeys, key)
            if bool(old) != bool(targets) or any(t not in old and not self.referrers(t) for t in targets):
                break
            if targets:
                fvals[i] = _SEP.join(targets)
            for t in {*old, *targets}:
                j = bisect_left(self.bkeys, t)
                named = {k for k in bvals[j].split(_SEP) if k and k != key}
                if t in targets:
                    named.add(key)
                if not named:
                    break
                bvals[j] = _SEP.join(sorted(named))
            else:
                continue
            break
        else:
            return RefIndex(self.fkeys, tuple(fvals), self.bkeys, tuple(bvals))
        forward = dict(zip(self.fkeys, self.fvals))
        back = dict(zip(self.bkeys, self.bvals))
        for key, targets in now.items():
            for t in self.targets(key):
                left = [k for k in back.get(t, "").split(_SEP) if k and k != key]
                if left:
                    back[t] = _SEP.join(left)
                else:
                    back.pop(t, None)
            forward.pop(key, None)
            if targets:
                forward[key] = _SEP.join(targets)
            for t in targets:
                back[t] = _SEP.join(sorted({*(k for k in back.get(t, "").split(_SEP) if k), key}))
        fkeys, bkeys = tuple(sorted(forward)), tuple(sorted(back))
        return RefIndex(fkeys, tuple(forward[k] for k in fkeys), bkeys, tuple(back[k] for k in bkeys))


def old_targets(base: dict[str, Any], key: str) -> tuple[str, ...]:
    """The references record `key` made in the base."""
    index = RefIndex.of(base)
    return index.targets(key) if index is not None else ()


class _Hops:
    """The records within some hops of others, along references either way (`hop`: one hop)."""

    def hop(self, keys: set[str]) -> set[str]:
        raise NotImplementedError

    def within(self, keys: set[str], hops: int) -> set[str]:
        out = set(keys)
        for _ in range(hops):
            grown = self.hop(out)
            if len(grown) == len(out):
                break
            out = grown
        return out


class _Graph(_Hops):
    """References both ways, as the register holds them now and as the base held them."""

    def __init__(self, reg: Register, base: dict[str, Any], changed: set[str]) -> None:
        self.reg = reg
        self.old = {k: old_targets(base, k) for k in changed}
        self.referrers: dict[str, list[str]] = {}
        for key, rec in reg.records.items():
            for t in refs.targets_of(rec):
                self.referrers.setdefault(t, []).append(key)
        for key, old in self.old.items():  # the references a changed record made before
            for t in old:
                self.referrers.setdefault(t, []).append(key)

    def hop(self, keys: set[str]) -> set[str]:
        out = set(keys)
        records = self.reg.records
        for key in keys:
            rec = records.get(key)
            if rec is not None:
                out.update(refs.targets_of(rec))
            out.update(self.old.get(key, ()))
            out.update(self.referrers.get(key, ()))
        return out


def _case_siblings(reg: Register, keys: set[str]) -> set[str]:
    """The records whose key differs from one of `keys` only by letter case (check_ids compares them)."""
    folded = {k.lower() for k in keys}
    return {k for k in reg.records if k.lower() in folded}


def run(
    reg: Register,
    clean: Register,
    today: date,
    checks: Sequence[Callable[..., Any]],
    base: Any,
) -> list[list[Problem]] | None:
    """Each check's problems, re-checking only what changed since `base`; None: check the whole way."""
    names = tuple(name_of(c) for c in checks)
    view = reg.cache
    if view is None or not _usable(base, today, names):
        return None
    changed = changed_files(base, view.ids)
    if changed is None:
        return None
    changed |= set(base.get("dropped") or ())
    keys: set[str] = set()
    for rel in changed:
        kind = rel.split("/", 1)[0]
        if "/" not in rel or not rel.endswith(".yaml") or kind not in KINDS:
            return None  # a root file (policy ...) or a file that is no record: everything may change
        keys.add(rel[: -len(".yaml")])
    if len(keys) > MAX_SHARE * max(len(reg.records), 1):
        return None
    keys |= _case_siblings(reg, keys)
    return recheck_all(checks, base["found"], _Graph(reg, base, keys), keys, changed, clean, today, len(reg.records))


def recheck_all(
    checks: Sequence[Callable[..., Any]],
    found: Sequence[Any],
    graph: _Hops,
    keys: set[str],
    changed: set[str],
    clean: Register,
    today: date,
    count: int,
    edits: Mapping[str, frozenset[str]] | None = None,
) -> list[list[Problem]] | None:
    """Each check's problems after the change to `keys` (files `changed`), from the base's `found`.
    A check that reads none of the kinds that changed (READS), nor any field an edit changed
    (`edits`: key -> the fields changed, fields_read.UNREAD_FIELDS), keeps the base's problems; a
    check of the whole register runs again otherwise; a scoped check re-checks the reach of the
    changed records it reads (the others it never looks at cannot alter what it finds)."""
    lines = _known_lines(found, changed)
    out: list[list[Problem]] = []
    reach: dict[tuple[int, frozenset[str]], set[str]] = {}
    for check, old in zip(checks, found):
        scope, read = scope_of(check), reads_of(check)
        relevant = keys if read is None else {k for k in keys if k.split("/", 1)[0] in read}
        if edits and relevant:
            relevant = relevant - fields_read.unread(fields_of(check), relevant, edits, old)
        if not relevant:
            out.append([Problem(*p) for p in old])
            continue
        if scope is None:
            out.append(sorted_by_path(_with_lines(check(clean, today), lines)))
            continue
        part = rechecked(check, old, scope, graph, relevant, reach, clean, today, lines, count)
        if part is None:
            return None
        out.append(part)
    return out


def rechecked(
    check: Callable[..., Any],
    old: Iterable[Any],
    scope: tuple[int, int],
    graph: _Hops,
    keys: set[str],
    reach: dict[tuple[int, frozenset[str]], set[str]],
    clean: Register,
    today: date,
    lines: dict[tuple[Any, ...], Any],
    count: int,
) -> list[Problem] | None:
    """A check's problems: the base's `old`, those within its reach (`scope`) of `keys` found again
    (`reach`: the records within each number of hops of each set of keys, shared among checks);
    None when the records it would re-check are too many to be worth it."""
    depends, produced = scope
    memo = (depends, frozenset(keys))
    if memo not in reach:
        reach[memo] = graph.within(keys, depends)
    affected = reach[memo]
    subjects = graph.within(affected, produced)
    if len(subjects) > MAX_SHARE * max(count, 1):
        return None
    paths = {f"{k}.yaml" for k in affected}
    focused = clean.checked(clean.unchecked, frozenset(subjects))
    fresh = [p for p in check(focused, today) if p.path in paths]
    kept = [Problem(*p) for p in old if isinstance(p, tuple) and p[0] not in paths]
    return sorted_by_path([*kept, *_with_lines(fresh, lines)])


def sorted_by_path(problems: Iterable[Problem]) -> list[Problem]:
    """A check's problems by file (stable: a file's own problems keep their order)."""
    return sorted(problems, key=_path)


def _path(p: Problem) -> str:
    return p.path


def _known_lines(found: Iterable[Iterable[Stored]], changed: set[str]) -> dict[tuple[Any, ...], Any]:
    """The line of each problem about an unchanged file, by its other fields (a line found once is
    not looked for again: finding one parses the file). Ambiguous fields are left out."""
    lines: dict[tuple[Any, ...], Any] = {}
    clash: set[tuple[Any, ...]] = set()
    for part in found:
        for p in part:
            if not (isinstance(p, tuple) and len(p) == 6) or p[0] in changed:
                continue
            ident = (p[0], p[2], p[3], p[4], p[5])
            if ident in lines and lines[ident] != p[1]:
                clash.add(ident)
            lines[ident] = p[1]
    for ident in clash:
        del lines[ident]
    return lines


def _with_lines(problems: Iterable[Problem], lines: dict[tuple[Any, ...], Any]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if type(p) is LazyProblem:
            ident = (p.path, p.code, p.message, p.severity, p.key)
            if ident in lines:
                p = Problem(p.path, lines[ident], p.code, p.message, p.severity, p.key)
        out.append(p)
    return out


# -- validate on the work tree read lazily (issue 18): only the changed records and those within reach

# What a check reads, by kind folder, besides policy and the day: a change of records of other kinds
# cannot alter its problems, which stay the base's (recheck_all); a scoped check re-checks the reach of
# the changed records of these kinds only (a 課等 renamed reaches ~2,000 records through files and
# notices at 100,000 records, and check_notices reads no 課等). Every whole-register check (SCOPES None)
# has an entry; a check that reads records of every kind (check_ids, check_references,
# check_personal_data) has none. Declared from the checks' code and guarded:
# tests/test_incremental_reads.py runs each check, over the whole register and focused on a few
# records, on a register that records every kind it looks at, and fails on one not listed here;
# tests/test_validate_incremental.py compares the result with a full validation after edits of every kind.
READS: dict[str, frozenset[str]] = {
    "check_ledger_ids": frozenset({"ledger"}),
    "check_beppyo": frozenset({"beppyo", "bureaus", "divisions", "systems"}),
    "check_roles": frozenset({"roles"}),
    "check_unassigned_duties": frozenset({"beppyo", "bureaus", "divisions", "roles", "systems"}),
    "check_contractor_chain": frozenset({"contractors"}),
    "check_contractors": frozenset({"contractors", "files"}),
    "check_files": frozenset({"files"}),
    "check_decisions": frozenset({"files"}),
    "check_contacts": frozenset({"incidents", "divisions"}),
    "check_consistency": frozenset({"contractors", "divisions", "files", "systems"}),
    "check_filebook": frozenset({"divisions", "files"}),
    "check_incidents": frozenset({"incidents"}),
    "check_notices": frozenset({"files", "ledger", "notifications"}),
    "check_inspections": frozenset({"inspections", "audits", "reviews", "divisions"}),
}


def fields_of(check: Callable[..., Any]) -> Mapping[str, frozenset[str]]:
    """The fields a check reads, by kind (fields_read.FIELDS; a kind absent: every field)."""
    if getattr(check, "__module__", "") not in CHECK_MODULES:
        return {}
    return fields_read.declared(getattr(check, "__qualname__", ""))


def reads_of(check: Callable[..., Any]) -> frozenset[str] | None:
    """The kinds a check reads (None: unknown, it is run again after any change within its reach)."""
    if getattr(check, "__module__", "") not in CHECK_MODULES:
        return None
    return READS.get(getattr(check, "__qualname__", ""))


class _BaseGraph(_Hops):
    """References both ways from the base's index (RefIndex), and the changed records' own read now."""

    def __init__(self, reg: Register, base: dict[str, Any], changed: set[str]) -> None:
        index = RefIndex.of(base)
        assert index is not None  # _usable
        self.base = index
        self.now: dict[str, tuple[str, ...]] = {}
        self.named: dict[str, set[str]] = {}  # target -> the changed records naming it now
        for key in changed:
            rec = reg.records.get(key)
            self.now[key] = refs.targets_of(rec) if rec is not None else ()
            for t in self.now[key]:
                self.named.setdefault(t, set()).add(key)

    def targets(self, key: str) -> tuple[str, ...]:
        old = self.base.targets(key)
        return (*old, *self.now[key]) if key in self.now else old

    def referrers(self, key: str) -> set[str]:
        """The records naming `key`, as the base knew them or now (both: a reach is never too short)."""
        return {*self.base.referrers(key), *self.named.get(key, ())}

    def referrers_now(self, key: str) -> list[str]:
        """The records naming `key` now."""
        now = self.now
        return sorted(
            {k for k in self.base.referrers(key) if k not in now or key in now[k]} | self.named.get(key, set())
        )

    def hop(self, keys: set[str]) -> set[str]:
        out = set(keys)
        for key in keys:
            out.update(self.targets(key))
            out.update(self.referrers(key))
        return out


def data_kept(before: Register, after: Register, changed: Iterable[str]) -> bool:
    """DATA_KEPT (the hand-edit `commit` at 100,000 records): every file of `changed` is a record both
    registers hold with the very same data (same types, same key order: a comment or the layout
    edited). Every check reads records through their data (a problem's line comes from its own
    file), so such an edit can alter the problems of the edited records alone: the write path then
    re-checks just those, not every record naming them (a division named by ~220 records)."""
    for rel in changed:
        if not rel.endswith(".yaml") or rel.split("/", 1)[0] not in KINDS:
            return False
        old, new = before.records.get(rel[: -len(".yaml")]), after.records.get(rel[: -len(".yaml")])
        if old is None or new is None or old.relpath != rel or new.relpath != rel or not same(old.data, new.data):
            return False
    return True
