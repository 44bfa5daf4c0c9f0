"""The core's settings: built by cli/ from the environment, passed down (issue 17, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke, make_register

from meti_pi.errors import UsageError
from meti_pi.settings import DEFAULT, Settings
from meti_pi.store import schema
from meti_pi.store.register import Register


def test_an_empty_environment_gives_the_defaults_but_a_home() -> None:
    assert Settings.from_env({}) == DEFAULT
    assert Settings.from_env({"HOME": "/home/u"}) == Settings(cache_home=Path("/home/u/.cache"))


def test_each_variable_sets_its_field() -> None:
    s = Settings.from_env(
        {
            "METI_PI_PARALLEL_MIN": " 3 ",
            "METI_PI_NO_CACHE": "1",
            "METI_PI_SCHEMAS": "/s",
            "XDG_CACHE_HOME": "/x",
            "HOME": "/home/u",
        }
    )
    assert s == Settings(parallel_min=3, cache=False, cache_home=Path("/x"), schemas=Path("/s"))
    assert s.parallel(600) == 3 and DEFAULT.parallel(600) == 600
    assert Settings.from_env({"METI_PI_NO_CACHE": "0"}).cache and Settings.from_env({"METI_PI_NO_CACHE": ""}).cache


def test_a_relative_xdg_cache_home_is_ignored_as_the_xdg_rule_says() -> None:
    assert Settings.from_env({"XDG_CACHE_HOME": "rel", "HOME": "/home/u"}).cache_home == Path("/home/u/.cache")
    assert Settings.from_env({"XDG_CACHE_HOME": "rel", "HOME": "also-rel"}).cache_home is None


def test_a_parallel_threshold_that_is_not_a_number_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="METI_PI_PARALLEL_MIN='many' is not a whole number"):
        Settings.from_env({"METI_PI_PARALLEL_MIN": "many"})


def test_the_cli_refuses_a_bad_setting_with_exit_2_and_no_traceback(tmp_path: Path, runner, monkeypatch) -> None:
    root = make_register(tmp_path)
    monkeypatch.setenv("METI_PI_PARALLEL_MIN", "many")
    out = invoke(runner, root, "validate")
    assert out.exit_code == 2
    assert "METI_PI_PARALLEL_MIN='many' is not a whole number" in out.output and "Traceback" not in out.output


def test_the_cli_passes_its_settings_to_the_core(tmp_path: Path, runner, monkeypatch) -> None:
    """The environment reaches the core only through the CLI: METI_PI_NO_CACHE turns the cache
    off for a command, while a library call with the defaults still uses it."""
    root = make_register(tmp_path)
    seen: list[Settings] = []
    real = Register.load.__func__  # type: ignore[attr-defined]

    def spy(cls, *args, **kwargs):
        seen.append(kwargs.get("settings", DEFAULT))
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(Register, "load", classmethod(spy))
    monkeypatch.setenv("METI_PI_NO_CACHE", "1")
    monkeypatch.setenv("METI_PI_PARALLEL_MIN", "7")
    assert invoke(runner, root, "validate").exit_code == 0
    assert seen and all(s.cache is False and s.parallel_min == 7 for s in seen)
    assert Register.load(root).cache is not None  # the library default: the cache on, whatever the environment


def test_the_schema_folder_is_set_by_the_cli_and_reset_when_unset(tmp_path: Path, runner, monkeypatch) -> None:
    root = make_register(tmp_path)
    monkeypatch.setenv("METI_PI_SCHEMAS", str(tmp_path / "nowhere"))
    try:
        out = invoke(runner, root, "schemas", "--json")
        assert str(tmp_path / "nowhere") in out.stdout
        monkeypatch.delenv("METI_PI_SCHEMAS")
        invoke(runner, root, "schemas", "--json")
        assert schema.schemas_dir() != tmp_path / "nowhere"
    finally:
        schema.use_schemas(None)
