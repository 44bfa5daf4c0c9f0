"""yamlload.load_fast gives exactly what yamlload.load gives: the same data, the same faults."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meti_pi.store import yamlload


def outcome(fn: Any, text: str) -> tuple[object, ...]:
    try:
        return ("ok", _comparable(fn(text)))
    except yamlload.YamlFault as fault:
        return ("fault", str(fault), fault.line)
    except Exception as exc:  # noqa: BLE001 - `load` itself crashes on some input: the same crash is expected
        return ("crash", type(exc).__name__, str(exc))


def _comparable(value: Any) -> Any:
    """NaN is not equal to itself; types matter (True is not 1, 1.0 is not 1)."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, dict):
        return ("map", [(_comparable(k), _comparable(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [_comparable(v) for v in value])
    return (type(value).__name__, value)


SCALAR_TEXTS = [
    "0",
    "012",
    "-0",
    "+1",
    "0x1F",
    "0X1F",
    "0o17",
    "0o19",
    "1_000",
    "1:30",
    "1e5",
    "1E-3",
    ".5",
    "5.",
    "-.inf",
    ".INF",
    "+.Inf",
    ".NaN",
    ".nan",
    "-.nan",
    "nan",
    "inf",
    "true",
    "True",
    "TRUE",
    "tRue",
    "yes",
    "No",
    "on",
    "off",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "",
    "2024-01-01",
    "2024-13-45",
    "12:30:00",
    "a b",
    "'q'",
    '"d\\tq"',
    "é",
    "経済産業省",
    "-",
    "--",
    ".",
    "+",
    "0.",
    "1.2.3",
    "0b101",
    "!!str 12",
    "!!int '7'",
    "!!bool yes",
    "! 12",
    "!!float 1",
    "&a 1",
    "*a",
    "!!binary aGk=",
    "!!python/object:os.system x",
    "[1, 2]",
    "{a: 1}",
    "[]",
    "{}",
    "|\n  lit\n",
    ">\n  fold\n",
    "'multi\n  line'",
    "? complex",
    "@x",
    "`x",
    "%x",
    "# only a comment",
]
KEYS = [
    "a",
    "b",
    "1",
    "01",
    "true",
    "null",
    "~",
    "'a'",
    "\"b\"",
    "1.0",
    "<<",
    "é",
    "x y",
    "-1",
    "[k]",
    "{k: v}",
    "? [a]",
]


@st.composite
def documents(draw: Any) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(
            draw(st.sampled_from(["---", "%YAML 1.1\n---", "%YAML 1.2\n---", "--- !!map", "%TAG ! tag:x,2024:\n---"]))
        )
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(KEYS))
        shape = draw(st.sampled_from(["scalar", "scalar", "seq", "map", "flow", "empty"]))
        if shape == "scalar":
            lines.append(f"{key}: {draw(st.sampled_from(SCALAR_TEXTS))}")
        elif shape == "empty":
            lines.append(f"{key}:")
        elif shape == "seq":
            lines.append(f"{key}:")
            lines += [f"  - {draw(st.sampled_from(SCALAR_TEXTS))}" for _ in range(draw(st.integers(0, 3)))]
        elif shape == "map":
            lines.append(f"{key}:")
            lines += [
                f"  {draw(st.sampled_from(KEYS))}: {draw(st.sampled_from(SCALAR_TEXTS))}"
                for _ in range(draw(st.integers(0, 3)))
            ]
        else:
            items = ", ".join(
                draw(st.sampled_from(SCALAR_TEXTS)).replace("\n", " ") for _ in range(draw(st.integers(0, 3)))
            )
            lines.append(f"{key}: [{items}]" if draw(st.booleans()) else f"{key}: {{k: {items or 'v'}}}")
    if draw(st.booleans()):
        lines.append(
            draw(
                st.sampled_from(
                    ["...", "---\nsecond: doc", "- top level list", "  bad: indent", "\tx: tab", "a: &anc [1]\nb: *anc"]
                )
            )
        )
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from(["\x00", "\t", ":", "\"", "'", "[", "{", "&", "*", "!", "#", "\ufeff"]))
            + text[at:]
        )
    return text


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_same_data_and_same_faults(text: str) -> None:
    assert outcome(yamlload.load_fast, text) == outcome(yamlload.load, text), text


@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
        max_leaves=20,
    ),
    st.sampled_from([None, True, False]),
    st.sampled_from(["'", '"', None]),
)
@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
def test_dumped_data_round_trips_the_same(data: Any, flow: Any, style: Any) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, default_style=style, allow_unicode=True)
    assert outcome(yamlload.load_fast, text) == outcome(yamlload.load, text), text


def test_deep_nesting_and_bombs() -> None:
    for text in [
        "a: " + "[" * 200 + "]" * 200,
        "a: " + "{b: " * 150 + "1" + "}" * 150,
        "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n",
        "- " * 300 + "x\n",
    ]:
        assert outcome(yamlload.load_fast, text) == outcome(yamlload.load, text)
