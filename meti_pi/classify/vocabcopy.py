"""A register's own copy of the detectors' vocabulary: identifiers.yaml and sensitive_terms.yaml at
the register's root, beside policy.yaml, under git (legal brief §0: facts FROM MEMORY are data a
user corrects). classify reads a register's copy instead of the package's file, for that register
only (the Vocabulary is a parameter of the scan, never a global); validate reports a bad copy.

A copy may change header words (headers, exact, not), formats (pattern), labels, the free-text
headers, the surnames and the 要配慮 words (headers, values). The kind ids and 要配慮 categories are
a fixed set, and each kind's category, check and context are the package's: the code names them
(name, my_number, phone...), and the schemas' enums list them.

A kind or category the package has and the copy lacks (a meti-pi upgrade that adds one, after the
copy was made) is taken from the package, where it stands there, with a warning naming the copy:
`meti-pi vocabulary --write` adds it to the copy (merged_text), keeping the copy's own entries. One
the copy has and the package does not (a typo, or one removed) stays an error.

`classify --record` builds the vocabulary from the bytes it checked are committed (`read_copies`,
then `noted_vocabulary(root, raws)`): the bytes read once, checked and parsed (actions.classify).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from meti_pi.classify.text import header_key
from meti_pi.classify.vocabulary import DATA, Vocabulary, build, packaged, vocabulary
from meti_pi.errors import UsageError
from meti_pi.store import limits, yamlio, yamlload

IDENTIFIERS = "identifiers.yaml"
SENSITIVE_TERMS = "sensitive_terms.yaml"
FILES = (IDENTIFIERS, SENSITIVE_TERMS)

_KIND_KEYS = frozenset({"id", "label", "category", "law", "check", "context", "headers", "exact", "not", "pattern"})
_FIXED = ("category", "check", "context")  # a kind's fields the code relies on: the package's
_IDS_KEYS = frozenset({"schema_version", "as_of", "source", "kinds", "free_text_headers", "surnames"})
_TERMS_KEYS = frozenset({"schema_version", "as_of", "source", "categories"})
_CATEGORY_KEYS = frozenset({"label", "headers", "values"})

Fault = tuple[str, int | None, str]  # (file, line, what to correct)
Note = tuple[str, int | None, str]  # (file, line, what classify does instead): a warning


def copies(root: Path) -> list[Path]:
    """The register's copies of the vocabulary files (none, one or both)."""
    return [root / name for name in FILES if (root / name).is_file()]


def register_vocabulary(root: Path | None) -> Vocabulary:
    """The vocabulary classify uses for the register at `root`: the package's, with each file the
    register holds a copy of read from that copy. A bad copy is a usage error at file:line (exit 2)."""
    return noted_vocabulary(root)[0]


def read_copies(root: Path) -> dict[str, bytes | None]:
    """The bytes of each of the register's copies (None: the register holds no copy of that file),
    read once: what `noted_vocabulary(root, raws)` builds the vocabulary from, and what `classify
    --record` checks is committed. A copy that cannot be read is a usage error naming it (exit 2)."""
    raws: dict[str, bytes | None] = {}
    for name in FILES:
        path = root / name
        try:
            raws[name] = limits.read_regular(path) if path.is_file() else None
        except OSError as exc:
            raise UsageError.at(
                path, None, f"cannot read ({exc.strerror}); classify reads this register's copy"
            ) from None
    return raws


def noted_vocabulary(
    root: Path | None, raws: Mapping[str, bytes | None] | None = None
) -> tuple[Vocabulary, list[Note]]:
    """register_vocabulary, and the notes of the copies (a kind or category they lack, taken from
    the package), files as full paths. `raws`: the copies' bytes as `read_copies` read them (None:
    read here), the only copies then read."""
    if root is None or (not copies(root) if raws is None else all(raw is None for raw in raws.values())):
        return vocabulary(), []
    loaded, faults, notes = _read(root, raws)
    if faults:
        path, line, message = faults[0]
        more = f" (and {len(faults) - 1} more problem(s): `meti-pi validate` lists them)" if len(faults) > 1 else ""
        raise UsageError.at(path, line, f"{message}{more}; classify reads this register's copy of the vocabulary")
    ids, terms = loaded
    return build(ids, terms), notes


def copy_faults(root: Path) -> list[tuple[str, int | None, str, str]]:
    """Every problem of the register's copies, (file relative to `root`, line, message, severity):
    the faults ("error") and the notes ("warning"); empty: none, or every copy whole."""
    if not copies(root):
        return []
    _loaded, faults, notes = _read(root)
    return [
        (str(Path(path).relative_to(root)), line, message, severity)
        for found, severity in ((faults, "error"), (notes, "warning"))
        for path, line, message in found
    ]


def packaged_text(name: str) -> str:
    """The package's file `name` (what `meti-pi vocabulary --write` copies)."""
    return (DATA / name).read_text(encoding="utf-8")


def _read(
    root: Path, raws: Mapping[str, bytes | None] | None = None
) -> tuple[tuple[Any, Any], list[Fault], list[Note]]:
    """(identifiers, terms) as read (the package's where the register has no copy; the package's
    kinds and categories a copy lacks filled in), the faults and the notes. `raws`: the copies'
    bytes, already read (read_copies)."""
    faults: list[Fault] = []
    notes: list[Note] = []
    data: dict[str, Any] = {}
    for name in FILES:
        path = root / name
        raw = raws.get(name) if raws is not None else None
        if raw is None and (raws is not None or not path.is_file()):
            data[name] = packaged(name)
            continue
        try:
            text = yamlload.decode(raw if raw is not None else limits.read_regular(path))
            loaded = yamlload.load(text)
        except yamlload.YamlFault as fault:
            faults.append((str(path), fault.line, str(fault)))
            data[name] = None  # not used: a fault refuses the copy
            continue
        except OSError as exc:
            faults.append((str(path), None, f"cannot read ({exc.strerror})"))
            data[name] = None
            continue
        package = packaged(name)
        check = _identifier_faults if name == IDENTIFIERS else _term_faults
        faults += [(str(path), yamlload.locate(text, where) or 1, message) for where, message in check(loaded, package)]
        added = fill(name, loaded, package)
        notes += [(str(path), yamlload.locate(text, where) or 1, _missing(name, what)) for where, what in added]
        data[name] = loaded
    return (data[IDENTIFIERS], data[SENSITIVE_TERMS]), faults, notes


def fill(name: str, data: Any, package: Any) -> list[tuple[tuple[object, ...], str]]:
    """Put into `data` (the copy of the vocabulary file `name` as read, changed in place) each kind
    (identifiers.yaml) or category (sensitive_terms.yaml) of `package` it lacks, the package's entry
    itself, after the last entry the package lists before it (the first kind listed wins a tie:
    the order is the package's); the key path of the list or mapping, and each id added. Works on
    plain data and on ruamel's round-trip documents alike (merged_text); a copy whose list or
    mapping is not one is left as it is (its fault says so)."""
    key = "kinds" if name == IDENTIFIERS else "categories"
    entries: Any = data.get(key) if isinstance(data, dict) else None
    order = [k["id"] for k in package["kinds"]] if key == "kinds" else list(package["categories"])
    if key == "kinds" and isinstance(entries, list):
        have = [k.get("id") if isinstance(k, dict) else None for k in entries]
    elif key == "categories" and isinstance(entries, dict):
        have = list(entries)
    else:
        return []
    added: list[tuple[tuple[object, ...], str]] = []
    for i, wanted in enumerate(order):
        if wanted in have:
            continue
        before = set(order[:i])
        at = max((j + 1 for j, got in enumerate(have) if got in before), default=0)
        entry = copy.deepcopy(package["kinds"][i] if key == "kinds" else package["categories"][wanted])
        if key == "kinds":
            entries.insert(at, entry)
        elif hasattr(entries, "insert"):  # ruamel's CommentedMap
            entries.insert(at, wanted, entry)
        else:
            items = list(entries.items())
            items.insert(at, (wanted, entry))
            entries.clear()
            entries.update(items)
        have.insert(at, wanted)
        added.append(((key,), wanted))
    return added


def _missing(name: str, what: str) -> str:
    thing = "kind" if name == IDENTIFIERS else "category"
    return (
        f"{thing} {what!r} is missing from this copy (the package has it: a meti-pi newer than the copy): "
        f"classify uses the package's entry; `meti-pi vocabulary --write` adds it to the copy, keeping the "
        "copy's own entries, then commit the copy"
    )


def merged_text(name: str, text: str) -> tuple[str, list[str]] | None:
    """The text of the register's copy `name` (its `text`) with the package's kinds or categories it
    lacks added (fill), every other line as written; and their ids. None: nothing to add, or a copy
    that cannot be merged so (not YAML, its list or mapping not one: validate says why). UsageError
    when the merged text would lose one of the copy's comments."""
    try:
        plain = yamlload.load(text)
    except yamlload.YamlFault:
        return None
    if not fill(name, plain, packaged(name)):
        return None
    crlf = "\r\n" in text  # a Windows check-out: merged with LF line ends, written back with CRLF
    lf = text.replace("\r\n", "\n") if crlf else text
    doc = yamlio.load_rt(lf)
    package_doc = yamlio.load_rt(packaged_text(name))  # the package's entries with their comments
    added = [what for _, what in fill(name, doc, package_doc)]
    out, kept = yamlio.dump_checked(doc)
    if not kept or yamlio.comment_lines(lf) - yamlio.comment_lines(out):
        raise UsageError(
            f"{name}: adding {', '.join(added)} would lose comments of the copy; copy the entries by hand "
            f"from {DATA / name}"
        )
    return (out.replace("\n", "\r\n") if crlf else out), added


Located = tuple[tuple[object, ...], str]  # (key path in the file, message)


def _identifier_faults(data: Any, package: Any) -> Iterator[Located]:
    if not isinstance(data, dict):
        yield (), f"expected a mapping (as the package's file), not {yamlload.shape(data)}"
        return
    yield from _unknown_keys(data, _IDS_KEYS, ())
    if not isinstance(data.get("as_of"), str | int) or not str(data.get("as_of")).strip():
        yield ("as_of",), "as_of: give the date the list was last checked (e.g. as_of: '2026-12-01')"
    for key in ("free_text_headers", "surnames"):
        yield from _words(data.get(key, []), (key,), header=key != "surnames")
    kinds = data.get("kinds")
    if not isinstance(kinds, list):
        yield ("kinds",), "kinds: expected the list of kinds (as the package's file)"
        return
    fixed = {k["id"]: k for k in package["kinds"]}
    seen: set[str] = set()
    for i, kind in enumerate(kinds):
        here: tuple[object, ...] = ("kinds", i)
        if not isinstance(kind, dict) or not isinstance(kind.get("id"), str):
            yield here, "each kind is a mapping with its `id:` (as in the package's file)"
            continue
        kid = kind["id"]
        if kid not in fixed:
            yield (
                (*here, "id"),
                f"unknown kind {kid!r}: the kinds are fixed (known: {', '.join(fixed)}); correct its id",
            )
            continue
        if kid in seen:
            yield (*here, "id"), f"kind {kid!r} is listed twice; keep one entry"
        seen.add(kid)
        yield from _kind_faults(kind, fixed[kid], here)


def _kind_faults(kind: dict[str, Any], package: dict[str, Any], here: tuple[object, ...]) -> Iterator[Located]:
    kid = kind["id"]
    yield from _unknown_keys(kind, _KIND_KEYS, here)
    if not isinstance(kind.get("label"), str) or not kind["label"].strip():
        yield (*here, "label"), f"kind {kid!r}: label: give the kind's name (e.g. {package['label']})"
    for key in _FIXED:
        default = "pattern" if key == "check" else None  # vocabulary.build's default
        if kind.get(key, default) != package.get(key, default):
            shown = package.get(key, default)
            yield (*here, key), f"kind {kid!r}: {key}: is fixed ({shown}, as the package's): the code relies on it"
    for key in ("headers", "exact", "not"):
        yield from _words(kind.get(key, []), (*here, key), header=True)
    if kind.get("law") is not None and not isinstance(kind.get("law"), str):
        yield (*here, "law"), f"kind {kid!r}: law: write it as text"
    pattern = kind.get("pattern")
    if ("pattern" in package) != (pattern is not None):
        yield (
            (*here, "pattern"),
            f"kind {kid!r}: pattern: give the format as a regular expression"
            if "pattern" in package
            else f"kind {kid!r}: pattern: this kind's values are checked by code ({package.get('check')}), not a pattern; remove it",
        )
    elif pattern is not None:
        yield from _pattern_faults(pattern, kid, (*here, "pattern"))


def _pattern_faults(pattern: Any, kid: str, where: tuple[object, ...]) -> Iterator[Located]:
    if not isinstance(pattern, str) or not pattern:
        yield (
            where,
            f"kind {kid!r}: pattern: write the format as a quoted regular expression (e.g. '\\d{{4}}-?\\d{{6}}')",
        )
        return
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        yield where, f"kind {kid!r}: pattern: not a valid regular expression ({exc}); correct it"
        return
    if compiled.fullmatch(""):
        yield (
            where,
            f"kind {kid!r}: pattern: matches an empty value, so any value would pass; require at least one character",
        )


def _term_faults(data: Any, package: Any) -> Iterator[Located]:
    if not isinstance(data, dict):
        yield (), f"expected a mapping (as the package's file), not {yamlload.shape(data)}"
        return
    yield from _unknown_keys(data, _TERMS_KEYS, ())
    categories = data.get("categories")
    if not isinstance(categories, dict):
        yield ("categories",), "categories: expected the mapping of 要配慮 categories (as the package's file)"
        return
    fixed = package["categories"]
    for cid, category in categories.items():
        here: tuple[object, ...] = ("categories", cid)
        if cid not in fixed:
            yield (
                here,
                f"unknown category {cid!r}: the categories are fixed (known: {', '.join(fixed)}); correct its name",
            )
            continue
        if not isinstance(category, dict):
            yield here, f"category {cid!r}: expected a mapping with label, headers and values"
            continue
        yield from _unknown_keys(category, _CATEGORY_KEYS, here)
        if not isinstance(category.get("label"), str) or not category["label"].strip():
            yield (*here, "label"), f"category {cid!r}: label: give the category's name (e.g. {fixed[cid]['label']})"
        yield from _words(category.get("headers", []), (*here, "headers"), header=True)
        yield from _words(category.get("values", []), (*here, "values"), header=False)


def _unknown_keys(data: dict[Any, Any], known: frozenset[str], here: tuple[object, ...]) -> Iterator[Located]:
    for key in data:
        if key not in known:
            yield (*here, key), f"unknown key {key!r} (known: {', '.join(sorted(known))}); correct or remove it"


def _words(words: Any, where: tuple[object, ...], *, header: bool) -> Iterator[Located]:
    """A list of words; each non-empty (a header word also after normalisation: an empty one would
    be found in every column name, an empty value word in every cell)."""
    name = where[-1]
    if not isinstance(words, list):
        yield where, f"{name}: expected a list of words ([word, word, ...])"
        return
    for i, word in enumerate(words):
        if not isinstance(word, str | int) or not (header_key(str(word)) if header else str(word).strip()):
            yield (
                (*where, i),
                f"{name}: item {i + 1} ({word!r}) is no word: it would match every {'column name' if header else 'cell'}; remove it",
            )
