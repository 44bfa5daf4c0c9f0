"""Generate a large register for the benchmarks: N records (~1.35 KB each) in a git repo with many commits.

    python bench/gen_register.py OUT_DIR [--records 10000] [--commits 2000] [--seed 8]

OUT_DIR becomes a git work tree holding `register/` (the shipped register's singletons, 別表,
bureaus and roles, plus generated divisions, systems, contractors, files (all eight Art. 16(2)
handling rules for 管理A/B, the class the engine derives), ledger entries and notifications, and the
largest records in a ministry's proportions: incidents made by meti-pi's own incident engine (opened,
worked through, most closed), one self-inspection per division and year with findings, audits with
findings and reviews). Every record is valid against the shipped schemas and every reference
resolves, so `meti-pi validate` finds no errors; overdue corrective actions and incident steps warn.

History is built with one `git fast-import` stream (no working-tree round trips): a few
large commits holding most records, then `--commits` small ones, each adding one record or
amending one with the meti-pi trailers, as the write path would. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "register"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TODAY = "2026-11-26"

# Share of generated records per kind (the rest of N are the shipped 別表/bureaus/roles).
MIX = (("divisions", 0.006), ("systems", 0.02), ("contractors", 0.04), ("ledger", 0.25), ("notifications", 0.142))
# The largest records, in a ministry's proportions (issue 18): incidents (made by meti-pi's own engine),
# audits, and reviews per N; self-inspections one per division and year (INSPECTION_YEARS), with findings.
LATE_MIX = (("incidents", 0.005), ("audits", 0.001), ("reviews", 0.001))
INSPECTION_YEARS = (2024, 2025)
EXAMPLE = REPO / "examples" / "register"
HANDLING_RULES = {
    "access_limits": "担当者に限定",
    "encryption": "保存時暗号化",
    "copy_limits": "複製禁止",
    "media_storage": "施錠保管",
    "disposal": "溶解処理",
    "backup": "週次で暗号化して外部保管",
    "mis_sending": "送付前に二人で宛先確認",
    "foreign_environment": "国内データセンターに限定",
}

ORGS = ("経済産業省", "資源エネルギー庁", "中小企業庁")
WORDS = (
    "申請",
    "補助金",
    "届出",
    "許可",
    "相談",
    "登録",
    "審査",
    "統計",
    "調査",
    "研修",
    "職員",
    "人事",
    "給与",
    "事業者",
    "交付",
    "実績",
    "報告",
    "検査",
    "認定",
    "照会",
    "台帳",
    "名簿",
    "管理",
    "支援",
    "受付",
)
ITEMS = (
    "氏名",
    "住所",
    "電話番号",
    "メールアドレス",
    "生年月日",
    "性別",
    "所属",
    "役職",
    "口座番号",
    "事業者名",
    "法人番号",
    "申請日",
    "審査結果",
    "交付額",
    "職員番号",
    "年齢",
    "連絡先",
    "備考",
)


# -- a tiny YAML emitter in the style the write path produces (2-space maps, '  - ' lists) --------


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if "\n" in s or "\t" in s:
        return json.dumps(s, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    # Quote what a YAML 1.2 reader would not read back as this string (dates, numbers, flags).
    if (
        not s
        or s[0] in "0123456789-+.!&*[]{}#|>@`'\"%?:,~"
        or s.lower() in ("true", "false", "null", "~")
        or ": " in s
        or " #" in s
        or s != s.strip()
    ):
        return "'" + s.replace("'", "''") + "'"
    return s


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                _emit(v, indent + 2, out)
            elif isinstance(v, list):
                out.append(f"{pad}{k}: []")
            elif isinstance(v, dict):
                out.append(f"{pad}{k}: {{}}")
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    else:
        for item in value:
            if isinstance(item, dict):
                first = True
                for k, v in item.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    first = False
                    if isinstance(v, (dict, list)) and v:
                        out.append(f"{lead}{k}:")
                        _emit(v, indent + 4, out)
                    elif isinstance(v, (dict, list)):
                        out.append(f"{lead}{k}: {'[]' if isinstance(v, list) else '{}'}")
                    else:
                        out.append(f"{lead}{k}: {_scalar(v)}")
            else:
                out.append(f"{pad}- {_scalar(item)}")


def to_yaml(data: dict[str, Any], schema: str, depth: int = 1) -> str:
    out = [f"# yaml-language-server: $schema={'../' * (depth + 1)}schemas/{schema}.schema.json"]
    _emit(data, 0, out)
    return "\n".join(out) + "\n"


# -- record makers ---------------------------------------------------------------------------------


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.used: set[str] = set()

    def rid(self, prefix: str, year: int = 2026) -> str:
        while True:
            n = self.r.getrandbits(30)
            s = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(6)))
            cand = f"{prefix}-{year}-{s}"
            if cand not in self.used:
                self.used.add(cand)
                return cand

    def date(self, lo: int = 2019, hi: int = 2026) -> str:
        y = self.r.randint(lo, hi)
        m = self.r.randint(1, 12 if y < 2026 else 10)
        return f"{y:04d}-{m:02d}-{self.r.randint(1, 28):02d}"

    def words(self, n: int) -> str:
        return "".join(self.r.choice(WORDS) for _ in range(n))

    def corporate_number(self) -> str:
        """13 digits whose first is the 法人番号 check digit (9 - Σ Pn·Qn mod 9, Qn = 1, 2, 1, ... from the right)."""
        body = "".join(str(self.r.randint(0, 9)) for _ in range(12))
        total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body), start=1))
        return f"{9 - total % 9}{body}"

    def division(self, i: int, bureau: str | None) -> tuple[str, dict[str, Any]]:
        did = f"div-{i:03d}"
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": did,
            "name": f"{self.words(2)}課{i:03d}",
            "org": self.r.choice(ORGS),
        }
        if bureau:
            d["bureau"] = bureau
        d["manager_post"] = f"{self.words(1)}課長"
        d["deputy_manager_posts"] = [f"{self.words(1)}室長", "課長補佐（総括）"]
        d["address"] = "東京都千代田区霞が関一丁目3番1号"
        d["training"] = [
            {
                "date": self.date(2024, 2026),
                "course": f"{self.words(2)}研修",
                "audience": a,
                "attendees": self.r.randint(3, 80),
            }
            for a in ("handlers", "system_staff", "managers")
        ]
        d["notes"] = "保有個人情報の管理状況を四半期ごとに確認する。" + self.words(40)
        return did, d

    def system(self, divisions: list[str]) -> tuple[str, dict[str, Any]]:
        sid = self.rid("SYS")
        row = self.r.randint(1, 9)
        d: dict[str, Any] = {"schema_version": 1, "id": sid, "name": f"{self.words(3)}システム", "beppyo_row": row}
        if row in (7, 8):
            d["bureau"] = f"R{self.r.randint(1, 9)}"
        # The fields on the rows that read them (6 and 8: 当該個別業務を所掌する課等; 9: 当該システムの管理課),
        # and on a few others as a register keeps some (validate warns: beppyo-unit-unread). Written on
        # every system, half the register's systems were warned of it (3,317 at 100,000 records).
        business, managing = (
            self.r.choice(divisions),
            self.r.choice(divisions),
        )  # drawn as before: the rest is unchanged
        if row in (6, 8) or sum(map(ord, sid)) % 50 == 0:
            d["business_division"] = business
        if row == 9 or sum(map(ord, sid)) % 50 == 1:
            d["managing_division"] = managing
        d["connected_to_meti_network"] = row != 9
        d["description"] = f"{self.words(30)}を処理する業務システム。" + self.words(60)
        return sid, d

    def contractor(self, divisions: list[str], parents: list[str]) -> tuple[str, dict[str, Any]]:
        cid = self.rid("C")
        start = self.date(2022, 2026)
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": cid,
            "name": f"株式会社{self.words(2)}",
            "corporate_number": self.corporate_number(),
            "divisions": self.r.sample(divisions, 2),
        }
        if parents and self.r.random() < 0.15:
            d["parent"] = self.r.choice(parents)
        d["contract"] = {
            "ref": f"契約第{self.r.randint(1, 9999)}号",
            "subject": f"{self.words(3)}業務の委託",
            "start": start,
            "end": None,
        }
        d["clauses"] = {
            name: {"present": True, "ref": f"第{n}条"}
            for n, name in enumerate(
                (
                    "confidentiality",
                    "subcontracting_limits",
                    "copy_limits",
                    "safety_measures",
                    "incident_handling",
                    "inspection",
                    "deletion_return",
                    "termination_damages",
                    "reporting_audit",
                ),
                start=1,
            )
        }
        d["post_contract_confirmation"] = {
            "date": start,
            "ref": "確認書",
            "items": ["responsible_persons", "staff", "structure"],
        }
        d["annual_confirmations"] = [{"date": "2026-06-01", "method": "document", "result": "ok"}]
        d["dispatched_workers"] = {"present": False}
        return cid, d

    def file(self, divisions: dict[str, str], systems: list[str], contractors: list[str]) -> tuple[str, dict[str, Any]]:
        fid = self.rid("F")
        division = self.r.choice(sorted(divisions))
        cls = self.r.choice("ABCC")
        computer = self.r.random() < 0.8
        count = self.r.randint(10, 200_000)
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": fid,
            "name": f"{self.words(3)}ファイル",
            "org": divisions[division],
            "division": division,
            "purpose": f"{self.words(4)}に関する事務の遂行のため",
            "record_items": self.r.sample(ITEMS, 7),
            "record_scope": f"{self.words(2)}を行った者",
            "collection_method": "本人からの申請書の提出",
            "routine_recipients": [f"{self.words(1)}省"],
            "disclosure_office": {
                "name": "経済産業省大臣官房情報公開推進室",
                "address": "東京都千代田区霞が関一丁目3番1号",
            },
            "file_kind": "computer" if computer else "manual",
            "characteristics": {
                "sensitive": False,
                "my_number": False,
                "biometric": False,
                "financial": cls == "A",
                "processing": "none",
            },
            "principals": {"count": count, "as_of": self.date(2025, 2026), "basis": "stated"},
            "management_class": cls,
            "classification": {
                "rationale": f"本人の数{count}人。{self.words(6)}",
                "decided_on": self.date(2025, 2026),
                "decided_by": "課長",
            },
            "holding": {"start": self.date(2015, 2024), "end": None},
        }
        if computer and systems:
            d["systems"] = self.r.sample(systems, 1)
        if contractors and self.r.random() < 0.3:
            d["contractors"] = self.r.sample(contractors, 1)
        if cls in ("A", "B"):  # all eight Art. 16(2) rules
            d["handling_rules"] = {**HANDLING_RULES, "reviewed_on": self.date(2025, 2026)}
        d["notes"] = self.words(62)
        return fid, d

    def ledger(self, fid: str) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "id": fid,
            "file": fid,
            "events": [
                {
                    "date": self.date(2023, 2026),
                    "kind": k,
                    "article": "38",
                    "summary": f"{self.words(8)}",
                    "recipient": f"{self.words(1)}課",
                    "method": "電子ファイル",
                }
                for k in ("storage", "use", "provision", "notice", "disposal", "other")
            ],
        }

    def notification(self, fid: str) -> tuple[str, dict[str, Any]]:
        nid = self.rid("N")
        drafted = self.date(2023, 2026)
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": nid,
            "kind": self.r.choice(("35-1", "35-2", "36")),
            "file": fid,
            "change": False,
            "state": "acknowledged",
            "drafted_on": drafted,
            "submitted_on": drafted,
            "acknowledged_on": drafted,
            "submitted_ref": f"総務第{self.r.randint(1, 999)}号",
            "acknowledged_ref": f"受理第{self.r.randint(1, 999)}号",
            "due": {"timing": "before", "date": drafted},
            "items_hash": f"{self.r.getrandbits(256):064x}",
            "items_version": 1,
            "register_commit": f"{self.r.getrandbits(160):040x}",
            "notes": f"{self.words(110)}",
        }
        return nid, d

    def findings(self, items: list[tuple[str, str]], owner: str, division: str | None = None) -> list[dict[str, Any]]:
        """0-4 corrective actions, some open past their due date (warnings), some closed."""
        out = []
        for n, (item, article) in enumerate(
            self.r.sample(items, min(len(items), self.r.choice((0, 1, 1, 2, 3, 4)))), start=1
        ):
            f: dict[str, Any] = {"id": n}
            if division is None:
                f["item"] = item
            f.update(
                {
                    "article": article,
                    "text": f"{self.words(3)}: {self.words(12)}が確認できない",
                    "action": f"{self.words(6)}を定め、運用要領を改正する",
                    "owner": owner,
                    "due": self.date(2025, 2026),
                    "status": "open",
                }
            )
            if self.r.random() < 0.5:
                f.update({"status": "closed", "closed_on": "2026-10-30"})
            if division is not None:
                f["division"] = division
            out.append(f)
        return out

    def inspection(self, template: dict[str, Any], division: str, manager: str, year: int) -> dict[str, Any]:
        """A division's Art. 41 self-inspection, shaped as `meti-pi inspect --answers` records it (the
        example register's are the template), with its own answers and findings."""
        d = dict(template)
        d.update(
            {
                "id": division,
                "year": year,
                "period": {"start": f"{year}-04-01", "end": f"{year + 1}-03-31"},
                "division": division,
                "inspected_on": f"{year + 1}-03-{self.r.randint(1, 20):02d}",
                "inspector_post": f"{manager}補佐",
            }
        )
        answers = []
        for a in template.get("answers") or []:
            a = dict(a)
            a["answer"] = self.r.choice(("yes", "yes", "yes", "yes", "na", "no"))
            a.pop("note", None)
            if self.r.random() < 0.3:
                a["note"] = self.words(10)
            answers.append(a)
        d["answers"] = answers
        said_no = [(a["item"], str(a["article"])) for a in answers if a["answer"] == "no"] or [
            (answers[0]["item"], str(answers[0]["article"]))
        ]
        d["findings"] = self.findings(said_no, manager)
        if not d["findings"]:
            d.pop("findings")
        d["reported_on"] = f"{year + 1}-03-{self.r.randint(21, 28):02d}"
        d["notes"] = self.words(20)
        return {k: v for k, v in d.items() if v is not None}

    def audit(self, divisions: list[str], managers: dict[str, str], year: int) -> tuple[str, dict[str, Any]]:
        aid = self.rid("AUD", year)
        scope = self.r.sample(divisions, min(len(divisions), 3))
        others = [x for x in divisions if x not in scope] or divisions
        staff = self.r.choice(scope if self.r.random() < 0.1 else others)  # now and then not independent (Art. 42(2))
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": aid,
            "kind": self.r.choice(("regular", "regular", "ad_hoc")),
            "title": f"令和{year - 2018}年度 保有個人情報の管理状況の監査（{self.words(2)}）",
            "started_on": f"{year}-{self.r.randint(4, 9):02d}-01",
            "ended_on": f"{year}-10-31",
            "reported_on": f"{year}-11-15",
            "officer_post": "大臣官房長",
            "scope": {"divisions": scope, "articles": ["8", "14", "33"], "year": year},
            "auditors": [
                {"post": "大臣官房長", "role": "officer"},
                {"post": f"{self.words(1)}監査官", "role": "staff", "division": staff},
            ],
        }
        found = []
        for div in scope:
            found += self.findings(
                [("14(2)", "14(2)"), ("33(1)", "33(1)"), ("8(2)", "8(2)")], managers[div], division=div
            )
        for n, f in enumerate(found, start=1):
            f["id"] = n
        if found:
            d["findings"] = found
        d["notes"] = self.words(30)
        return aid, d

    def review(self, refs: list[str], year: int) -> tuple[str, dict[str, Any]]:
        rid = self.rid("REV", year + 1)
        d: dict[str, Any] = {
            "schema_version": 1,
            "id": rid,
            "date": f"{year + 1}-06-{self.r.randint(1, 28):02d}",
            "basis": {"inspection_year": year},
            "findings": self.r.sample(refs, min(len(refs), 3)),
            "closes_findings": False,
            "evaluation": self.words(40),
            "measures": [
                {
                    "text": f"{self.words(8)}を周知する",
                    "owner": "大臣官房個人情報保護室長",
                    "due": self.date(2026, 2026),
                    "status": self.r.choice(("open", "closed")),
                }
            ],
            "reported_to_sokatsu_on": f"{year + 1}-06-30",
        }
        for m in d["measures"]:
            if m["status"] == "closed":
                m["closed_on"] = "2026-10-30"
        return rid, d


def _incident_maker() -> Any:
    """Incidents as `meti-pi incident open` (and `update`, `close`) make them: meti_pi.incident.incidents."""
    sys.path.insert(0, str(REPO))
    from datetime import date, timedelta

    from meti_pi.incident import incidents
    from meti_pi.store import yamlload

    policy = yamlload.load((SHIPPED / "policy.yaml").read_text(encoding="utf-8"))
    citations = yamlload.load((SHIPPED / "citations.yaml").read_text(encoding="utf-8"))
    kinds = (
        {"minor": True, "encrypted": True},
        {"sensitive": True},
        {"malicious": True, "cyber": True},
        {"financial": True},
        {"public_exposure": False},
        {"my_number": False, "minor": False},
    )

    def make(g: Gen, iid: str, fid: str, file_data: dict[str, Any]) -> dict[str, Any]:
        known = date(2026, 11, 26) - timedelta(days=g.r.randint(1, 700))
        facts = {
            "occurred_on": (known - timedelta(days=g.r.randint(0, 5))).isoformat(),
            "information_items": "氏名、住所",
            "principals": g.r.choice((None, 3, 120, 1500)),
            **g.r.choice(kinds),
        }
        top = {
            "known_on": known.isoformat(),
            "division": file_data["division"],
            "files": [fid],
            "summary": f"{g.words(6)}の書類を誤って送付した。{g.words(10)}",
        }
        info = [incidents.file_info(fid, file_data)]
        rec = incidents.new_record(top, facts, info, incidents.rules_snapshot(policy, citations, known), today=known)
        if g.r.random() < 0.75:  # most are worked through and closed; the rest stay open (some overdue)
            day = known + timedelta(days=20)
            try:
                rec = incidents.update_record(
                    rec,
                    changes={"cause": g.words(8), "measures_done": [g.words(8)], "measures_planned": [g.words(4)]},
                    files=info,
                    on=day,
                    today=day,
                )
                for step in incidents.chain(rec):
                    if step["required"] and not step["done_on"] and step["step"] != "cause-and-measures":
                        rec = incidents.update_record(
                            rec, changes={}, event={"event": step["step"]}, files=info, on=day, today=day
                        )
                if not incidents.close_problems(rec, "", day):
                    rec = incidents.close_record(rec, on=day, today=day)
            except Exception:  # noqa: BLE001 - an engine that refuses a step leaves the incident open, as a user would
                pass
        return {"schema_version": 1, "id": iid, **rec}

    return make


def _notice_planner() -> Any:
    """A function giving the notices a files record requires, each as it would be recorded once made.

    Uses meti_pi.notify.notices (the same engine `validate` uses), so the generated register is kept the
    way a diligent 管理者 keeps it: few rule findings, as in steady use. None when unavailable.
    """
    try:
        sys.path.insert(0, str(REPO))
        from meti_pi.notify import notices
        from meti_pi.store.register import Register

        reg = Register(root=SHIPPED, records={}, singletons={}, load_problems=[])

        def plan(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
            decision = notices.decision_for(reg, data)
            if decision.derived_class and decision.derived_class != data["management_class"]:
                # the 管理者 decides the engine's class (Art. 16(1)), as `classify --record` records it
                data["management_class"] = decision.derived_class
                if decision.derived_class in ("A", "B"):
                    data["handling_rules"] = {**HANDLING_RULES, "reviewed_on": data["classification"]["decided_on"]}
                else:
                    data.pop("handling_rules", None)
                data["notes"] = data.pop("notes")  # keep notes last, as before
                decision = notices.decision_for(reg, data)
            klass = notices.management_class(data, decision)
            out = []
            for req in notices.requirements(reg, data, decision):
                made = req.due.isoformat() if req.due is not None else data["holding"]["start"]
                out.append((req.kind, notices.items_hash(req.kind, data, klass), made))
                if req.kind == "35-1":  # and the ministry's notice to the PPC (APPI 74(1)), as `notify record` makes it
                    out.append(("appi-74-1", notices.ppc_items_hash(data), made))
            return out

        return plan
    except (ImportError, AttributeError):  # an older or newer notices engine: notices are generated at random
        return None


def build(n_records: int, seed: int) -> list[tuple[str, str]]:
    """(relpath, text) of every generated record, in creation order (references point backwards)."""
    g = Gen(seed)
    shipped = sum(1 for p in SHIPPED.rglob("*.yaml") if p.parent != SHIPPED)
    n = n_records - shipped
    counts = {kind: max(1, int(n * share)) for kind, share in (*MIX, *LATE_MIX)}
    n -= counts["incidents"] + counts["audits"] + counts["reviews"] + counts["divisions"] * len(INSPECTION_YEARS)
    out: list[tuple[str, str]] = []
    divisions: list[str] = []
    orgs: dict[str, str] = {}
    managers: dict[str, str] = {}
    for i in range(counts["divisions"]):
        did, d = g.division(i, f"R{i % 9 + 1}" if i % 5 == 0 else None)
        divisions.append(did)
        orgs[did] = d["org"]
        managers[did] = d["manager_post"]
        out.append((f"divisions/{did}.yaml", to_yaml(d, "divisions")))
    systems = []
    for _ in range(counts["systems"]):
        sid, d = g.system(divisions)
        systems.append(sid)
        out.append((f"systems/{sid}.yaml", to_yaml(d, "systems")))
    contractors: list[str] = []
    for _ in range(counts["contractors"]):
        cid, d = g.contractor(divisions, contractors)
        contractors.append(cid)
        out.append((f"contractors/{cid}.yaml", to_yaml(d, "contractors")))
    plan = _notice_planner()
    files: list[str] = []
    file_data: dict[str, dict[str, Any]] = {}
    while len(out) < n:
        fid, d = g.file(orgs, systems, contractors)
        files.append(fid)
        file_data[fid] = d
        planned = plan(d) if plan else []  # may settle the class first
        group = [(f"files/{fid}.yaml", to_yaml(d, "files"))]
        notified = []
        for kind, items_hash, made in planned:
            nid, note = g.notification(fid)
            note.update(
                {
                    "kind": kind,
                    "drafted_on": made,
                    "submitted_on": made,
                    "acknowledged_on": made,
                    "due": {"timing": "before", "date": made},
                    "items_hash": items_hash,
                }
            )
            group.append((f"notifications/{nid}.yaml", to_yaml(note, "notifications")))
            if not kind.startswith("appi-"):  # the 台帳 lists the Art. 35/36 notices (Art. 38)
                notified.append({"notification": nid, "kind": kind, "date": made, "state": "acknowledged"})
        if plan is None and g.r.random() < 0.4:  # no engine: a notice of a random kind
            nid, note = g.notification(fid)
            group.append((f"notifications/{nid}.yaml", to_yaml(note, "notifications")))
        if notified or (plan is None and g.r.random() < 0.45):
            ledger = g.ledger(fid)
            if notified:
                ledger = {
                    **{k: v for k, v in ledger.items() if k != "events"},
                    "notified": notified,
                    "events": ledger["events"],
                }
            group.append((f"ledger/{fid}.yaml", to_yaml(ledger, "ledger")))
        out.extend(group[: n - len(out)])
    written = {rel for rel, _ in out}
    files = [f for f in files if f"files/{f}.yaml" in written]  # the last group may have been cut short
    make_incident = _incident_maker()
    for fid in g.r.sample(files, min(len(files), counts["incidents"])):
        iid = g.rid("INC", 2026)
        out.append((f"incidents/{iid}.yaml", to_yaml(make_incident(g, iid, fid, file_data[fid]), "incidents")))
    templates = [yamlload_example(p) for p in sorted((EXAMPLE / "inspections").rglob("*.yaml"))]
    refs: dict[int, list[str]] = {}
    for year in INSPECTION_YEARS:
        for did in divisions:
            d = g.inspection(g.r.choice(templates), did, managers[did], year)
            out.append((f"inspections/{year}/{did}.yaml", to_yaml(d, "inspections", depth=2)))
            refs.setdefault(year, []).extend(f"inspections/{year}/{did}#{f['id']}" for f in d.get("findings", []))
    for i in range(counts["audits"]):
        aid, d = g.audit(divisions, managers, INSPECTION_YEARS[i % len(INSPECTION_YEARS)])
        out.append((f"audits/{aid}.yaml", to_yaml(d, "audits")))
    for i in range(counts["reviews"]):
        year = INSPECTION_YEARS[i % len(INSPECTION_YEARS)]
        if not refs.get(year):
            continue
        rid, d = g.review(refs[year], year)
        out.append((f"reviews/{rid}.yaml", to_yaml(d, "reviews")))
    return out


def yamlload_example(path: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from meti_pi.store import yamlload  # YAML 1.2, as meti-pi reads it: `yes` and dates stay text

    data: dict[str, Any] = yamlload.load(path.read_text(encoding="utf-8"))
    return data


def _message(subject: str, command: str, records: list[str], article: str | None = None) -> bytes:
    lines = [subject, "", f"Meti-Pi-Command: {command}", *[f"Meti-Pi-Record: {r}" for r in records]]
    if article:
        lines.append(f"Meti-Pi-Article: {article}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def fast_import_stream(records: list[tuple[str, str]], small_commits: int, prefix: str, seed: int) -> bytes:
    """A fast-import stream: big commits for most records, then `small_commits` one-record commits."""
    r = random.Random(seed + 1)
    chunks: list[bytes] = []
    when = 1_700_000_000
    mark = 0

    def commit(files: list[tuple[str, str]], message: bytes) -> None:
        nonlocal when, mark
        mark += 1
        when += 60
        head = (
            f"commit refs/heads/main\nmark :{mark}\n"
            f"author Bench Officer <bench@meti-pi.invalid> {when} +0900\n"
            f"committer Bench Officer <bench@meti-pi.invalid> {when} +0900\n"
        ).encode()
        chunks.append(head + b"data %d\n" % len(message) + message)
        if mark > 1:
            chunks.append(b"from :%d\n" % (mark - 1))
        for rel, text in files:
            data = text.encode("utf-8")
            chunks.append(f"M 100644 inline {prefix}{rel}\n".encode() + b"data %d\n" % len(data) + data + b"\n")
        chunks.append(b"\n")

    shipped = [
        (p.relative_to(SHIPPED).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(SHIPPED.rglob("*.yaml"))
    ]
    n_new = min(len(records), small_commits // 2)  # half the small commits add a record, half amend one
    base, late = records[: len(records) - n_new], records[len(records) - n_new :]
    commit(shipped, _message("meti-pi init: register", "init", []))
    step = 2500
    for i in range(0, len(base), step):
        part = base[i : i + step]
        commit(part, _message(f"bulk import of {len(part)} records", "import", []))
    current = dict(records)
    amendable = [rel for rel, _ in base if rel.startswith("files/")]
    hot = amendable[:20]  # a few records amended often: the `history` benchmark reads one of them
    late_iter = iter(late)
    for i in range(small_commits):
        nxt = next(late_iter, None) if i % 2 == 0 else None
        if nxt is not None:
            rel, text = nxt
            key = rel[:-5]
            commit([(rel, text)], _message(f"{key}: new {rel.split('/')[0]} record", "new", [key]))
        else:
            rel = r.choice(hot) if r.random() < 0.3 else r.choice(amendable)
            text = current[rel].replace("\nnotes: ", f"\nnotes: 第{i}回確認済み。", 1)
            current[rel] = text
            key = rel[:-5]
            commit([(rel, text)], _message(f"{key}: hand edit", "commit", [key], "37"))
    return b"".join(chunks)


def generate(out: Path, n_records: int = 10_000, commits: int = 2_000, seed: int = 8) -> Path:
    """Create the repo at `out` (replaced if present); returns the register root."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}

    def git(*args: str, input: bytes | None = None) -> None:
        subprocess.run(("git", *args), cwd=out, input=input, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Bench Officer")
    git("config", "user.email", "bench@meti-pi.invalid")
    records = build(n_records, seed)
    git("fast-import", "--quiet", input=fast_import_stream(records, commits, "register/", seed))
    git("reset", "-q", "--hard", "main")  # a throwaway repo: fill the work tree and the index
    # A copy of the shipped schemas beside the register, as a user's repo would not have them:
    # meti-pi finds its schemas in the package, so nothing else is needed.
    return out / "register"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--commits", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=8)
    a = ap.parse_args(argv)
    t = time.perf_counter()
    root = generate(a.out, a.records, a.commits, a.seed)
    files = [p for p in root.rglob("*.yaml") if p.parent != root]
    size = sum(p.stat().st_size for p in files)
    sys.stdout.write(
        f"{root}: {len(files)} records, {size / len(files):.0f} B/record, "
        f"{a.commits} small commits, {time.perf_counter() - t:.1f} s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
