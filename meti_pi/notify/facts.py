"""What the notices engine derives from one ファイル簿 record, kept by content id (issue 18).

`status` and `notify --check` ask, of every file, which notices it requires (the classification
engine's decision, ~0.1 ms a file) and the hash of what each notice states (~0.05 ms a kind). Both
are functions of the record's content and the policy alone, so a run keeps them for the next one:

- in the read cache's folder (meti_pi.store.cache_files: one file, `notice-facts`, authenticated
  like every cache file, under the fingerprint of meti-pi's code), keyed by each file's content id
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
    kept = _read(path, store.fp, store.key)
    stored: dict[str, Any] = {}
    if isinstance(kept, dict) and kept.get("policy") == digest and isinstance(kept.get("facts"), dict):
        stored = kept["facts"]
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
        _write(path, store.fp, store.key, {"policy": digest, "facts": now})


def facts_of(reg: Register, rec: Record) -> Facts | None:
    """The primed facts of `rec` (None: not primed, the caller computes them)."""
    primed = reg.__dict__.get("_notice_facts")
    if not primed:
        return None
    hit = primed.get(rec.relpath)
    return hit[1] if hit is not None and hit[0] is rec else None
