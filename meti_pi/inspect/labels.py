"""Labels of findings, for validate's checks of inspections and audits."""

from __future__ import annotations

from typing import Any

from meti_pi.inspect.checklist import (
    article_ja,
    jp_day,
)


def finding_label(f: dict[str, Any]) -> str:
    """One line for a finding."""
    return f"第{article_ja(str(f.get('article')))}: {f.get('text')}（{f.get('owner')}、期限 {jp_day(f.get('due'))}）"
