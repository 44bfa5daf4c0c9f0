"""What the notices engine derives from one ファイル簿 record, kept by content id (issue 18).

`status` and `notify --check` ask, of every file, which notices it requires (the classification
engine's decision, ~0.1 ms a file) and the hash of what each notice states (~0.05 ms a kind). Both
are functions of the record's content and the policy alone, so a run keeps them for the next one:

- in the read cache's folder (meti_pi.store.cache_files: one file, `notice-facts`, authenticated
  like every cache file, under the fingerprint of the code it depends on: `kept_fp`), keyed by each file's content id
  (its git blob id, as Register.load read it) and a digest of the merged policy;
- as data only: the required kinds, the exclusions and the class (short codes), and sha256 hashes;
  no text of the record;
- a miss (new content, another policy, another meti-pi, no cache) recomputes; correctness never
  depends on the file: an entry is only ever the value the engine gives for that content;
- nothing is kept for content the register no longer holds: each save writes the entries of the
  files just read, and no other.

`prime(reg)` computes (or takes from the cache) the facts of every file of a register read whole;
`facts_of(reg, rec)` gives them to the engine (`file_status`, `ppc_requirements`), which computes
them itself where a register was not primed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meti_pi.notify.requirements import (
    ITEMS_VERSION,
    NOTICE_KINDS,
    decision_for,
    items_hash,
    management_class,
    ppc_items_hash,
)
from meti_pi.store.cache_files import _read, _write
from meti_pi.store.register import Record, Register

FILE = "notice-facts"
VERSION = 1  # of the entry layout below


def _kept(store: Any, name: str, field: str, digest: str, kept: Any = None) -> dict[str, Any]:
    """The `field` entries of the cache file `name` (or of its payload `kept`, read already), when
    it was written under the policy digest `digest`; else none."""
    kept = kept if kept is not None else _read(store.dir / name, kept_fp(store, name), store.key)
    if isinstance(kept, dict) and kept.get("policy") == digest and isinstance(kept.get(field), dict):
        found: dict[str, Any] = kept[field]
        return found
    return {}


def kept_fp(store: Any, name: str) -> str:
    """The fingerprint a file of this module is kept under: that of its layer
    (meti_pi.store.cache_layers), so an upgrade that leaves the layer's code alone keeps it — the
    notice facts under the code of this module and what it imports (the engine's decision and
    hashes among it), `notice-quiet` under the notices engine's and status's (`quiet`); anything
    else under all of meti-pi's."""
    fp: str = store.layer_fp(_LAYER_OF[name]) if name in _LAYER_OF else store.fp
    return fp


@dataclass(frozen=True, slots=True)
class Facts:
    """The engine's decision for one files record, as far as the notices read it, and the hashes
    of its notified items. Read where a decision is (`notifications`, `exclusions`, `management_class`)."""

    notifications: tuple[str, ...]
    exclusions: tuple[str, ...]
    management_class: str | None
    hashes: tuple[tuple[str, str], ...]  # (kind, items_hash) for each Art. 35/36 notice required
    ppc_hash: str  # ppc_items_hash: the APPI 74(1) items

    def items_hash(self, kind: str) -> str | None:
        return next((h for k, h in self.hashes if k == kind), None)

    def as_entry(self) -> tuple[Any, ...]:
        return (self.notifications, self.exclusions, self.management_class, self.hashes, self.ppc_hash)


def compute(reg: Register, data: dict[str, Any]) -> Facts:
    """The facts of a files record's data, from the engine itself."""
    decision = decision_for(reg, data)
    notifications = tuple(str(k) for k in getattr(decision, "notifications", ()) or ())
    exclusions = tuple(str(e) for e in getattr(decision, "exclusions", ()) or ())
    value = getattr(decision, "management_class", None)
    decided = str(value) if value else None
    klass = management_class(data, decision)
    hashes = tuple((k, items_hash(k, data, klass)) for k in NOTICE_KINDS if k in notifications)
    return Facts(notifications, exclusions, decided, hashes, ppc_items_hash(data))


def _from_entry(entry: Any) -> Facts | None:
    """An entry read back, if it has the layout written (anything else is a miss)."""
    if not (isinstance(entry, tuple) and len(entry) == 5):
        return None
    notifications, exclusions, klass, hashes, ppc = entry
    if not (
        _strings(notifications)
        and _strings(exclusions)
        and (klass is None or isinstance(klass, str))
        and isinstance(hashes, tuple)
        and all(isinstance(h, tuple) and len(h) == 2 and _strings(h) for h in hashes)
        and isinstance(ppc, str)
    ):
        return None
    return Facts(notifications, exclusions, klass, hashes, ppc)


def _strings(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)


def policy_digest(reg: Register) -> str:
    """What the facts depend on besides the record: the merged policy and the items' version."""
    text = json.dumps(
        {"policy": reg.policy, "items_version": ITEMS_VERSION, "facts": VERSION},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prime(reg: Register) -> None:
    """Give every files record of `reg` its facts (from the cache where its content is known
    there), and keep them for the next run. Without a read cache nothing is primed: the engine
    then computes each file's decision and hashes where it asks for them, as before."""
    view = reg.cache
    if view is None or reg.focus is not None or reg.__dict__.get("_notice_facts") is not None:
        return
    store = view.store
    path = store.dir / FILE
    digest = policy_digest(reg)
    stored = _kept(store, FILE, "facts", digest)
    primed: dict[str, tuple[Record, Facts]] = {}
    now: dict[str, tuple[Any, ...]] = {}
    changed = False
    ids = view.ids
    for rec in reg.of_kind("files"):
        cid = ids.get(rec.relpath)
        if not cid or view.objects.get(rec.relpath) is not rec:
            continue  # not the record the cache view read: the engine computes it
        facts = _from_entry(stored.get(cid))
        if facts is None:
            facts = compute(reg, rec.data)
            changed = True
        primed[rec.relpath] = (rec, facts)
        now[cid] = facts.as_entry()
    reg.__dict__["_notice_facts"] = primed
    if changed or len(now) != len(stored):
        # Only the content read now: an entry for content the register no longer holds goes.
        _write(path, kept_fp(store, FILE), store.key, {"policy": digest, "facts": now})


def facts_of(reg: Register, rec: Record) -> Facts | None:
    """The primed facts of `rec` (None: not primed, the caller computes them)."""
    primed = reg.__dict__.get("_notice_facts")
    if not primed:
        return None
    if isinstance(primed, _OnDemand):
        return primed.get(rec)
    hit = primed.get(rec.relpath)
    return hit[1] if hit is not None and hit[0] is rec else None


def prime_work(
    reg: Register,
    store: Any,
    cid_of: Callable[[str], str | None],
    real_of: Callable[[str], Any],
    live: Callable[[], set[str]],
    kept: Any = None,
) -> None:
    """`prime` for a register read lazily (meti_pi.notify.projected): each files record's facts
    when the engine asks for them (`facts_of`), from the cache by its content id
    (`cid_of(relpath)`), else computed from the record itself (`real_of(relpath)`: its own data,
    not a projection). `save_work` keeps them for the next run: the entries of the content the
    register's files hold now (`live()`), and no other. `kept`: the file's payload, read already."""
    if reg.__dict__.get("_notice_facts") is not None:
        return
    digest = policy_digest(reg)
    stored = _kept(store, FILE, "facts", digest, kept)
    reg.__dict__["_notice_facts"] = _OnDemand(reg, store, digest, stored, cid_of, real_of, live)


class _OnDemand:
    """The facts of a lazily read register's files, found when asked (prime_work)."""

    def __init__(self, reg: Register, store: Any, digest: str, stored: dict[str, Any], *how: Any) -> None:
        self.reg, self.store, self.digest, self.stored = reg, store, digest, stored
        self.cid_of, self.real_of, self.live = how
        self.now: dict[str, Facts] = {}
        self.computed = False

    def get(self, rec: Record) -> Facts | None:
        made = getattr(self.reg.records, "made", None)
        if made is None or made.get(rec.relpath) is not rec:
            return None  # not the register's record: the engine computes it
        known = getattr(rec, "__dict__", {}).get("_cid")
        cid = known if isinstance(known, str) else self.cid_of(rec.relpath)
        if not cid:
            return None
        found = self.now.get(cid)
        if found is None:
            found = _from_entry(self.stored.get(cid))
            if found is None:
                data = self.real_of(rec.relpath).data
                if not isinstance(data, dict):
                    return None  # the engine meets it as it is
                found = compute(self.reg, data)
                self.computed = True
            self.now[cid] = found
        return found

    def save(self) -> None:
        live = self.live()
        kept = {cid: entry for cid, entry in self.stored.items() if cid in live}
        if not self.computed and len(kept) == len(self.stored):
            return
        kept.update((cid, facts.as_entry()) for cid, facts in self.now.items() if cid in live)
        _write(self.store.dir / FILE, kept_fp(self.store, FILE), self.store.key, {"policy": self.digest, "facts": kept})


def save_work(reg: Register) -> None:
    """Keep the facts a lazily read register's files were given (prime_work)."""
    found = reg.__dict__.get("_notice_facts")
    if isinstance(found, _OnDemand):
        found.save()


QUIET_FILE = "notice-quiet"
_LAYER_OF = {FILE: "notify", QUIET_FILE: "quiet"}  # kept_fp: each file's cache layer


class Quiet:
    """The files whose notices gave no finding at all (none missing, late, stale, unhashed or due;
    nor any to the PPC) while held, kept by the inputs the notices engine read: the file's content
    id and the content ids of its notices (`notes`), under a policy digest. On a day the file is
    still held the engine finds nothing again for the same inputs (a held file's findings depend on
    the day only through a notice not made yet, which is itself a finding), so the file is not
    described again (meti_pi.notify.findings.quiet_holds, one pass over the files: _quiet_files). Data only (relpath -> content ids);
    a miss runs the engine; a file's entry is kept only while the file is found quiet."""

    def __init__(self, store: Any, digest: str, stored: dict[str, Any], cid_of: Callable[[str], str | None]) -> None:
        self.store, self.digest, self.stored, self.cid_of = store, digest, stored, cid_of
        self.now: dict[str, tuple[str, tuple[str, ...]]] = {}

    def cid(self, rec: Record) -> str | None:
        try:
            return rec.__dict__["_cid"]  # type: ignore[no-any-return]  # a record read from the cache
        except (AttributeError, KeyError):
            return self.cid_of(rec.relpath)

    def key(self, rec: Record, notes: list[Record]) -> tuple[str, tuple[str, ...]] | None:
        cid = self.cid(rec)
        cids = tuple(self.cid(n) or "" for n in notes)
        return (cid, cids) if cid and all(cids) else None

    def mark(self, rec: Record, notes: list[Record]) -> None:
        key = self.key(rec, notes)
        if key is not None:
            self.now[rec.relpath] = key

    def save(self) -> None:
        if self.now != self.stored:
            store = self.store
            _write(
                store.dir / QUIET_FILE,
                kept_fp(store, QUIET_FILE),
                store.key,
                {"policy": self.digest, "quiet": self.now},
            )


def prime_quiet(reg: Register, store: Any, cid_of: Callable[[str], str | None], kept: Any = None) -> Quiet:
    """Give `reg` the files kept as quiet (Quiet), for the notices engine to pass over (`kept`:
    the file's payload, read already)."""
    digest = policy_digest(reg)
    stored = {
        rel: entry
        for rel, entry in _kept(store, QUIET_FILE, "quiet", digest, kept).items()
        if type(entry) is tuple and len(entry) == 2 and type(entry[1]) is tuple
    }
    quiet = Quiet(store, digest, stored, cid_of)
    reg.__dict__["_quiet"] = quiet
    return quiet


def quiet_of(reg: Register) -> Quiet | None:
    """The register's Quiet (None: not primed; the engine describes every file)."""
    found = reg.__dict__.get("_quiet")
    return found if isinstance(found, Quiet) else None
