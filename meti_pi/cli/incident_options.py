"""The options of `meti-pi incident open` and `update` (named after the facts: cli-contract
"incident"), and the map from a facts file's keys to them."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from meti_pi.store.limits import MAX_PRINCIPALS


class NoticeException(str, Enum):
    difficult = "difficult"
    nondisclosure = "nondisclosure"
    none = "none"


# -- options shared by open and update (named after the facts: cli-contract "incident") -------

FromOpt = Annotated[
    Path | None,
    typer.Option("--from", help="YAML file with the facts (keys as the options, snake_case).", show_default=False),
]
KnownOnOpt = Annotated[
    str | None,
    typer.Option(
        "--known-on", help="Day any unit of the ministry knew (YYYY-MM-DD): day 1 of the deadlines.", show_default=False
    ),
]
DivisionOpt = Annotated[
    str | None, typer.Option("--division", help="Division (divisions id) in charge.", show_default=False)
]
FileOpt = Annotated[
    list[str] | None, typer.Option("--file", help="File (files id) involved; repeatable.", show_default=False)
]
PrincipalsOpt = Annotated[
    int | None,
    typer.Option(
        "--principals",
        min=0,
        max=MAX_PRINCIPALS,
        help="Number of 本人 affected (omit when unknown).",
        show_default=False,
    ),
]
PrincipalsMaxOpt = Annotated[
    int | None,
    typer.Option(
        "--principals-max",
        min=0,
        max=MAX_PRINCIPALS,
        help="Upper bound of the 本人 count when it is unknown.",
        show_default=False,
    ),
]
SummaryOpt = Annotated[
    str | None, typer.Option("--summary", help="Outline without personal data (screened).", show_default=False)
]


def _flag(name: str, text: str) -> Any:
    return typer.Option(f"--{name}/--no-{name}", help=text + " (omit: unknown)", show_default=False)


SensitiveOpt = Annotated[bool | None, _flag("sensitive", "Includes 要配慮個人情報 (規則43(1)).")]
FinancialOpt = Annotated[bool | None, _flag("financial", "Misuse may cause financial damage (規則43(2)).")]
MaliciousOpt = Annotated[
    bool | None,
    _flag("malicious", "May have been done with 不正の目的, incl. unauthorized access and malware (規則43(3))."),
]
CyberOpt = Annotated[
    bool | None,
    _flag(
        "cyber", "Outside unauthorized access or malware suspected: contain at once (Art. 39(2)); implies --malicious."
    ),
]
MyNumberOpt = Annotated[
    bool | None, _flag("my-number", "Includes 個人番号 (特定個人情報): always reported to PPC unless encrypted.")
]
MyNumberSystemOpt = Annotated[
    bool | None,
    _flag("my-number-system", "特定個人情報 in the 情報提供NWS or a 個人番号 work system (番号法規則2(1))."),
]
ExposureOpt = Annotated[
    bool | None,
    _flag("public-exposure", "May have been viewed online by an unspecified number of people (番号法規則2(3))."),
]
AnonymizedOpt = Annotated[
    bool | None, _flag("anonymized-info", "Involves 行政機関等匿名加工情報等 (Art. 39(7), 40(3)).")
]
EncryptedOpt = Annotated[
    bool | None, _flag("encrypted", "Protected by strong encryption (the key not leaked): excluded from 規則43.")
]
MinorOpt = Annotated[
    bool | None, _flag("minor", "A minor case as the マニュアル defines (Art. 39(3): no report to the 総括).")
]
ContractorOpt = Annotated[bool | None, _flag("contractor", "A contractor (委託先) is involved.")]
PublishOpt = Annotated[bool | None, _flag("publish", "The 管理者 decided to publish the event (Art. 39(4)).")]
PublishMeasuresOpt = Annotated[
    bool | None, _flag("publish-measures", "The 管理者 decided to publish the measures (Art. 40(2)).")
]
OccurredOpt = Annotated[str | None, typer.Option("--occurred-on", help="Day the event occurred.", show_default=False)]
DiscoveredOpt = Annotated[
    str | None, typer.Option("--discovered-by", help="Who found it (a post or unit, never a name).", show_default=False)
]
ItemsOpt = Annotated[
    str | None, typer.Option("--items", help="Items of the information concerned (report item 2).", show_default=False)
]
CauseOpt = Annotated[
    str | None, typer.Option("--cause", help="Cause / cause analysis (report item 4; Art. 40(1)).", show_default=False)
]
DamageOpt = Annotated[
    str | None,
    typer.Option("--secondary-damage", help="Secondary damage or its risk (report item 5).", show_default=False),
]
OtherOpt = Annotated[
    str | None, typer.Option("--other", help="Other reference matters (report item 9).", show_default=False)
]


EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        help="A step of the chain that was done: report-to-manager, report-to-vice, containment, "
        "investigation-report, preliminary-report, final-report, art39-7-report, publication, principal-notice, "
        "art39-7-followup, measures-publication, art40-3-report; or note.",
        show_default=False,
    ),
]
UpdateOnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Day the event happened or the facts became known (default: today for an --event, "
        "the incident's known date for a fact, so a fact recorded late does not move day 1).",
        show_default=False,
    ),
]


# The facts options of `open` and `update`: the key a facts file (--from) uses -> the parameter's name.
FACT_OPTIONS: dict[str, str] = {
    "known_on": "known_on",
    "division": "division",
    "files": "files",
    "summary": "summary",
    "principals": "principals",
    "principals_max": "principals_max",
    "occurred_on": "occurred_on",
    "discovered_by": "discovered_by",
    "information_items": "items",
    "cause": "cause",
    "secondary_damage": "secondary_damage",
    "other": "other",
    "substitute_measure": "substitute_measure",
    "sensitive": "sensitive",
    "financial": "financial",
    "malicious": "malicious",
    "cyber": "cyber",
    "my_number": "my_number",
    "my_number_system": "my_number_system",
    "public_exposure": "public_exposure",
    "anonymized_info": "anonymized_info",
    "encrypted": "encrypted",
    "minor": "minor",
    "contractor_involved": "contractor",
    "publish": "publish",
    "publish_measures": "publish_measures",
}

# update's own options
IncidentIdOpt = Annotated[str, typer.Argument(metavar="ID", help="Incident id (INC-...).")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Note for the event (screened).", show_default=False)]
MethodOpt = Annotated[
    str | None, typer.Option("--method", help="How (書面, 電話, PPCウェブフォーム ...).", show_default=False)
]
ReferenceOpt = Annotated[
    str | None, typer.Option("--reference", help="Document or receipt number, URL.", show_default=False)
]
MeasureDoneOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--measure-done", help="A recurrence-prevention measure taken (added; repeatable).", show_default=False
    ),
]
MeasurePlannedOpt = Annotated[
    list[str] | None,
    typer.Option("--measure-planned", help="A measure planned (added; repeatable).", show_default=False),
]
NoPlannedMeasuresOpt = Annotated[
    bool, typer.Option("--no-planned-measures", help="Record that no further measures are planned.")
]
NoticeExceptionOpt = Annotated[
    NoticeException | None,
    typer.Option(
        "--notice-exception",
        help="APPI 68(2) exception: difficult (with --substitute-measure) or nondisclosure; none clears it.",
        show_default=False,
    ),
]
SubstituteMeasureOpt = Annotated[
    str | None,
    typer.Option(
        "--substitute-measure", help="Measure instead of notifying the 本人 (公表, 相談窓口...).", show_default=False
    ),
]
UnsetOpt = Annotated[
    list[str] | None, typer.Option("--unset", help="Set a fact back to unknown (null); repeatable.", show_default=False)
]
RefreshRulesOpt = Annotated[
    bool,
    typer.Option(
        "--refresh-rules", help="Re-assess under the current policy.yaml and citations (recorded as an event)."
    ),
]
