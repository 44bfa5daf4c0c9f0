"""The Art. 41 checklist's data: the catalogue's items and the generated checklist, with its answers' names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from meti_pi import PACKAGE_DIR

CATALOGUE_PATH = PACKAGE_DIR / "data" / "checklist.yaml"
SCOPES = ("division", "file", "contractor", "incident", "finding")
ANSWERS = ("yes", "no", "na")
CLAUSE_NAMES = (  # Art. 14(2)(1)-(9), in the order of the rule (contractors schema `clauses`)
    "confidentiality",
    "subcontracting_limits",
    "copy_limits",
    "safety_measures",
    "incident_handling",
    "inspection",
    "deletion_return",
    "termination_damages",
    "reporting_audit",
)
HANDLING_RULES = (  # Art. 16(2)(1)-(8) (files schema `handling_rules`)
    ("access_limits", "アクセス制限"),
    ("encryption", "暗号化"),
    ("copy_limits", "複製等の制限"),
    ("media_storage", "媒体の保管等"),
    ("disposal", "廃棄等"),
    ("backup", "バックアップ"),
    ("mis_sending", "誤送付等の防止"),
    ("foreign_environment", "外国における取扱い"),
)
CLASS_JA = {"A": "管理A", "B": "管理B", "C": "管理C"}


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One question of the catalogue."""

    id: str
    article: str
    scope: str
    applies: str
    title: str
    question: str
    prefill: str | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The versioned checklist catalogue."""

    version: str
    rule_version: str
    answer_labels: dict[str, str]
    items: tuple[CatalogueItem, ...]

    def item(self, item_id: str) -> CatalogueItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class Prefill:
    """An answer the register already gives (or None: only evidence), with that evidence."""

    answer: str | None
    evidence: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class Item:
    """One question for one division (and one subject: a file, contractor, incident or finding)."""

    key: str  # answer key: "16-2@F-2026-AB12CD", "8-4", "carry@inspections/2025/div#1"
    item_id: str
    article: str
    title: str
    question: str
    scope: str
    subject: str | None  # register key of the subject ("files/F-...") or a finding ref
    subject_label: str | None
    why: str
    prefill: Prefill | None = None
    carried: dict[str, Any] | None = None  # the open finding carried forward

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "item": self.item_id,
            "article": self.article,
            "title": self.title,
            "question": self.question,
            "scope": self.scope,
            "subject": self.subject,
            "subject_label": self.subject_label,
            "why": self.why,
            "prefill": self.prefill.as_json() if self.prefill else None,
        }
        if self.carried is not None:
            out["carried"] = self.carried
        return out


@dataclass(frozen=True, slots=True)
class Checklist:
    """A division's checklist for one inspection year."""

    division: str
    division_name: str
    manager_post: str
    year: int
    period: tuple[date, date]
    basis: str
    catalogue_version: str
    items: tuple[Item, ...]

    def get(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "division": self.division,
            "name": self.division_name,
            "manager_post": self.manager_post,
            "year": self.year,
            "year_basis": self.basis,
            "period": {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()},
            "catalogue_version": self.catalogue_version,
            "items": [i.as_json() for i in self.items],
        }
