"""Each layer of the read cache under the fingerprint of the code producing it (issue 18 item 2):
an upgrade that leaves a layer's code alone keeps it; any change to that code drops it."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import make_register

from meti_pi import PACKAGE_DIR
from meti_pi.checks.validate import validate_register
from meti_pi.settings import Settings
from meti_pi.store import cache, cache_layers, register
from meti_pi.store.cache_key import user_key
from meti_pi.store.register import Register

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package (sources and data), to edit."""
    pkg = tmp_path_factory.mktemp("pkg") / "meti_pi"
    shutil.copytree(PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return pkg


@pytest.fixture
def pkg(pristine: Path, tmp_path: Path) -> Path:
    out = tmp_path / "meti_pi"
    shutil.copytree(pristine, out)
    return out


def layers(pkg: Path) -> dict[str, Any]:
    found = cache_layers.compute(pkg)["layers"]
    assert set(found) == set(cache_layers.ROOTS)
    return found  # type: ignore[no-any-return]


def edit(path: Path, extra: str = "\n# edited\n") -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_both_layers_have_their_own_fingerprint(pkg: Path) -> None:
    before = layers(pkg)
    assert all(isinstance(fp, str) for fp in before.values())
    assert len(set(before.values())) == len(before)
    assert layers(pkg) == before  # the same code, the same fingerprints


@pytest.mark.parametrize(
    ("module", "dropped"),
    [
        ("store/yamlload.py", {"records", "checks", "notify", "projected", "quiet"}),  # the parser: every layer
        ("store/schema.py", {"records", "checks", "notify", "projected", "quiet"}),
        ("fastschemas/files.py", {"records", "checks", "notify", "projected", "quiet"}),  # by computed name (DYNAMIC)
        ("errors.py", {"records", "checks", "notify", "projected", "quiet"}),
        ("checks/validate.py", {"checks"}),  # the checks only
        ("notify/notices.py", {"checks", "quiet"}),  # not what the notice facts come from; status imports it
        ("notify/requirements.py", {"checks", "notify", "projected", "quiet"}),
        ("notify/facts.py", {"checks", "notify", "projected", "quiet"}),  # the notices engine asks it
        ("notify/findings.py", {"checks", "quiet"}),  # the notices engine: what a quiet file stands for
        ("notify/projected.py", {"projected"}),  # the projections alone
        ("incident/incidents.py", {"checks", "quiet"}),  # imported inside a function of checks/validate
        ("cli/register_cmds.py", set()),  # none: printing is no layer's
        ("cli/status.py", set()),
        ("actions/records.py", set()),
        ("checks/status.py", {"quiet"}),  # status passes over a quiet file: its listing counts
    ],
)
def test_a_change_to_a_module_drops_the_layers_that_import_it(pkg: Path, module: str, dropped: set[str]) -> None:
    before = layers(pkg)
    edit(pkg / module)
    after = layers(pkg)
    assert {layer for layer in before if before[layer] != after[layer]} == dropped


def test_a_module_no_list_names_is_caught_through_the_imports(pkg: Path) -> None:
    """A new module imported (inside a function) by the parser joins the records layer by itself."""
    before = layers(pkg)
    (pkg / "store" / "newdep.py").write_text("SCALE = 1\n", encoding="utf-8")
    assert layers(pkg) == before  # imported by nobody: no layer's
    edit(
        pkg / "store" / "yamlload.py",
        "\n\ndef _scale() -> int:\n    from meti_pi.store import newdep\n\n    return newdep.SCALE\n",
    )
    importing = layers(pkg)
    assert importing["records"] != before["records"]
    edit(pkg / "store" / "newdep.py", "SCALE = 2\n")
    changed = layers(pkg)
    assert changed["records"] != importing["records"] and changed["checks"] != importing["checks"]


def test_an_import_by_computed_name_not_declared_falls_back_to_the_whole_fingerprint(pkg: Path) -> None:
    edit(
        pkg / "store" / "refs.py",
        "\n\ndef _by_name(name: str) -> object:\n    import importlib\n\n    return importlib.import_module(name)\n",
    )
    assert layers(pkg) == dict.fromkeys(cache_layers.ROOTS)
    assert set(cache_layers.layer_fingerprints("whole", None, None)) == set(cache_layers.ROOTS)


def test_a_data_file_drops_every_layer_and_the_version_number_none(pkg: Path) -> None:
    before = layers(pkg)
    init = pkg / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace('__version__ = "', '__version__ = "9'), encoding="utf-8")
    assert layers(pkg) == before  # a release number alone: every layer kept
    edit(pkg / "data" / "checklist.yaml", "\n# edited\n")
    after = layers(pkg)
    assert all(after[layer] != before[layer] for layer in before)


def test_a_module_that_reads_the_version_number_makes_it_count(pkg: Path) -> None:
    edit(pkg / "store" / "refs.py", "\nfrom meti_pi import __version__ as _V\n")
    assert layers(pkg) == dict.fromkeys(cache_layers.ROOTS)


# -- in use: the first command after an upgrade -----------------------------------------------------


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    return make_register(tmp_path, {}, example=True)


def _upgrade(monkeypatch: pytest.MonkeyPatch, *, records: str | None = None, checks: str | None = None) -> None:
    """Another installation: every file rewritten (the whole fingerprint changes), the layers' code
    changed only where given."""
    real = cache_layers.compute

    def compute(pkg: Path = PACKAGE_DIR) -> dict[str, Any]:
        found = real(pkg)
        found["layers"]["records"] = records or found["layers"]["records"]
        found["layers"]["checks"] = checks or found["layers"]["checks"]
        return found

    monkeypatch.setattr(cache, "fingerprint", lambda: "after-an-upgrade")
    monkeypatch.setattr(cache_layers, "compute", compute)


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = register._read_one

    def read_one(root: Path, rel: str, **kw: Any) -> Any:
        parsed.append(rel)
        return real(root, rel, **kw)

    monkeypatch.setattr(register, "_read_one", read_one)
    return parsed


def _validate(root: Path, settings: Settings) -> tuple[list[Any], Register]:
    reg = Register.load(root, settings=settings)
    return [(p.path, p.line, p.code, p.message) for p in validate_register(reg, TODAY)], reg


@pytest.mark.parametrize("changed", [None, "checks", "records"])
def test_after_an_upgrade_a_layer_whose_code_did_not_change_is_used(
    reg_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str | None
) -> None:
    settings = Settings(cache_home=tmp_path / "user", parallel_min=100_000)
    user_key.cache_clear()
    expected, _ = _validate(reg_root, settings)  # cold: fills every layer
    _upgrade(monkeypatch, **({changed: "new code"} if changed else {}))
    parsed = _parses(monkeypatch)
    got, reg = _validate(reg_root, settings)
    assert got == expected
    assert reg.cache is not None
    if changed == "records":
        assert len(parsed) == len(reg.records) + len(reg.singletons)  # every file parsed again
    else:
        assert parsed == []  # the parses kept
    key = reg.cache.result_key(reg, TODAY, __import__("meti_pi.checks.validate", fromlist=["CHECKS"]).CHECKS)
    assert key is not None and reg.cache.result(key) is not None  # stored under the current layer now
    user_key.cache_clear()


def test_each_installation_keeps_its_own_file_and_old_ones_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    key = b"k" * 32
    folder = tmp_path / "user"
    folder.mkdir()
    calls: list[int] = []
    real = cache_layers.compute
    monkeypatch.setattr(cache_layers, "compute", lambda pkg=PACKAGE_DIR: calls.append(1) or real(pkg))
    one = cache_layers.layer_fingerprints("a" * 40, folder, key)
    two = cache_layers.layer_fingerprints("b" * 40, folder, key)
    assert one == two and len(calls) == 2  # the same code: the same layers; each installation worked them out
    assert cache_layers.layer_fingerprints("a" * 40, folder, key) == one and len(calls) == 2  # then kept
    old = folder / cache_layers.file_name("a" * 40)
    os.utime(old, (1, 1))
    cache_layers.layer_fingerprints("c" * 40, folder, key)
    assert sorted(p.name for p in folder.iterdir()) == sorted(cache_layers.file_name(w * 40) for w in "bc")


def test_a_source_that_cannot_be_read_gives_the_whole_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(pkg: Path = PACKAGE_DIR) -> dict[str, Any]:
        raise SyntaxError("a damaged installation")

    monkeypatch.setattr(cache_layers, "compute", broken)
    folder = tmp_path / "user"
    folder.mkdir()
    assert cache_layers.layer_fingerprints("w" * 40, folder, b"k" * 32) == dict.fromkeys(cache_layers.ROOTS, "w" * 40)
    assert list(folder.iterdir()) == []  # nothing kept: the next command tries again


def test_after_an_upgrade_the_files_of_the_code_before_are_removed(
    reg_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files written under the code before (the checks' layer and the whole fingerprint here) are
    never read again and would otherwise stay, holding what HEAD may no longer hold: the first command
    after the upgrade removes them, once; the files of a layer whose code did not change stay as they were."""
    from meti_pi.store.cache_files import MAGIC, SWEPT, _write

    settings = Settings(cache_home=tmp_path / "user", parallel_min=100_000)
    user_key.cache_clear()
    _, reg = _validate(reg_root, settings)
    assert reg.cache is not None
    store = reg.cache.store
    folder, old_whole = store.dir, store.fp
    _write(folder / "notice-facts", old_whole, store.key, {"policy": "p", "facts": {"files/X": ["名前"]}})
    records = MAGIC + store.layer_fp("records").encode()
    kept = {n: (folder / n).stat().st_ino for n in os.listdir(folder) if (folder / n).read_bytes().startswith(records)}
    assert any(n.startswith("rec.") for n in kept)
    _upgrade(monkeypatch, checks="new code")
    _, reg = _validate(reg_root, settings)
    assert reg.cache is not None
    heads = tuple(MAGIC + fp.encode() for fp in {reg.cache.store.fp, *reg.cache.store.layers.values()})
    assert old_whole != reg.cache.store.fp
    now = {n: (folder / n).read_bytes() for n in os.listdir(folder) if not n.startswith(".")}
    assert all(data.startswith(heads) for data in now.values()), sorted(
        n for n, d in now.items() if not d.startswith(heads)
    )
    assert all(n in now and (folder / n).stat().st_ino == ino for n, ino in kept.items())  # not rewritten
    swept = (folder / SWEPT).stat().st_mtime_ns
    _validate(reg_root, settings)
    assert (folder / SWEPT).stat().st_mtime_ns == swept  # once
    user_key.cache_clear()


def test_after_an_upgrade_leaving_the_notices_engine_alone_the_notice_facts_are_kept(
    reg_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notice facts are kept under the "notify" layer (meti_pi.notify.facts.kept_fp): an upgrade
    changing only the checks computes none of them again, and the status answers as before."""
    from meti_pi.checks.status import due_items
    from meti_pi.notify import facts

    settings = Settings(cache_home=tmp_path / "user", parallel_min=100_000)
    user_key.cache_clear()
    reg = Register.load(reg_root, settings=settings)
    facts.prime(reg)
    before = [d.as_json(TODAY) for d in due_items(reg, TODAY)]
    _upgrade(monkeypatch, checks="new code")
    computed: list[Any] = []
    real = facts.compute
    monkeypatch.setattr(facts, "compute", lambda reg, data: computed.append(1) or real(reg, data))
    reg = Register.load(reg_root, settings=settings)
    facts.prime(reg)
    assert [d.as_json(TODAY) for d in due_items(reg, TODAY)] == before
    assert len(reg.of_kind("files")) > 0
    assert computed == []
    user_key.cache_clear()
