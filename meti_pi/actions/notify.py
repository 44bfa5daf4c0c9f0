"""What the `notify` commands do: draft and record notices, move them through their states, log
use and storage events in the 台帳 — each as one audited commit through `actions.transaction`.

Records written:
- `notifications/<N-id>.yaml`: kind, file, change, state (drafted → submitted → acknowledged, or
  withdrawn when a newer draft replaces one never submitted) with dates, the due date, the
  items hash, the register commit the draft was made from, and the hashes of the drafts.
- `ledger/<file id>.yaml` (rule Art. 38, the 副総括's 台帳): `notified` lists each notice of the
  file with its state; `events` logs use and storage (Art. 12 provision, Art. 9(3) purpose
  change, Art. 21 disposal, ...).
Drafts themselves are build outputs written to `out_dir` after the commit.

The code lives in notify_drafting, notify_states and notify_ledger; this module names the
interface the CLI uses.
"""

from __future__ import annotations

from meti_pi.actions.notify_drafting import (
    EVENT_ARTICLES,
    FORMATS,
    Drafted,
    NotifyResult,
    Rendered,
    changed_items,
    draft_notices,
    render_notice,
)
from meti_pi.actions.notify_ledger import LogResult, log_event
from meti_pi.actions.notify_states import PpcResult, StateResult, record_ppc_notice, set_state

# The interface, defined in notify_drafting, notify_states and notify_ledger (issue 17).
__all__ = [
    'EVENT_ARTICLES',
    'FORMATS',
    'Drafted',
    'LogResult',
    'NotifyResult',
    'PpcResult',
    'Rendered',
    'StateResult',
    'changed_items',
    'draft_notices',
    'log_event',
    'record_ppc_notice',
    'render_notice',
    'set_state',
]
