"""The installed product (issue 12): a wheel built from this checkout, installed into a fresh virtual
environment outside it, runs the day's work from a directory with no checkout; pre-commit installs
the hooks of `.pre-commit-hooks.yaml` in its own environment and runs them on a register repository.

Slow (pip installs from the package index): one wheel per session. Marked `integration`;
`make test` runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO

pytestmark = pytest.mark.integration

TODAY = "2026-11-26"


def _run(
    args, *, cwd: Path, env: dict[str, str] | None = None, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} -> {done.returncode}\nstdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        )
    return done


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of an officer's shell: no checkout on the path, no test overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("METI_PI_", "PYTHON", "VIRTUAL_ENV", "PRE_COMMIT", "PYTEST")) and k != "PATH"
    }
    env["PATH"] = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def source_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files as git sees them (tracked and new, not ignored), committed in a clean
    repository: what CI clones. Builds never touch the checkout (no stale build/ folder)."""
    dest = tmp_path_factory.mktemp("source") / "meti-pi"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["commit", "-q", "-m", "snapshot of the checkout under test"],
    ):
        _run(["git", *args], cwd=dest)
    return dest


@pytest.fixture(scope="session")
def wheel(source_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source_repo], cwd=out, env=_clean_env())
    (built,) = out.glob("meti_pi-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtual environment (outside the checkout) with the wheel installed."""
    env_dir = tmp_path_factory.mktemp("venv") / "officer"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    _run([bindir / "python", "-m", "pip", "install", "-q", wheel], cwd=env_dir.parent, env=_clean_env())
    return bindir


def test_wheel_holds_every_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (REPO / "meti_pi").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert path.relative_to(REPO).as_posix() in names, path
    assert not any(n.startswith(("schemas/", "register/", "tests/", "examples/")) for n in names)


def test_a_wheel_built_again_in_the_checkout_holds_no_file_deleted_since(
    source_repo: Path, wheel: Path, tmp_path: Path
) -> None:
    # The README's `python -m pip wheel --no-deps -w dist .` (and `pip install .`) build in the
    # checkout, through build/lib/, which setuptools kept from one build to the next: a module or a
    # template file deleted since the last build went into the next wheel, and `init` copies every
    # file of the packaged template into a new register.
    checkout = tmp_path / "meti-pi"
    shutil.copytree(source_repo, checkout, ignore=shutil.ignore_patterns(".git", "build", "dist"))
    gone = {"meti_pi/retired.py": "X = 1\n", "meti_pi/data/register/roles/retired-post.yaml": "id: retired-post\n"}
    for rel, text in gone.items():
        (checkout / rel).write_text(text, encoding="utf-8")

    def build(n: int) -> set[str]:
        out = tmp_path / f"dist{n}"
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, "."], cwd=checkout, env=_clean_env())
        (built,) = out.glob("meti_pi-*.whl")
        return set(zipfile.ZipFile(built).namelist())

    assert set(gone) <= build(1)
    for rel in gone:
        (checkout / rel).unlink()
    assert build(2) == set(zipfile.ZipFile(wheel).namelist())


@pytest.fixture(scope="session")
def sdist(source_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The source distribution of the clean snapshot, built as a release is (`python -m build --sdist`,
    in a fresh environment of its own: `build` is no dependency of meti-pi's)."""
    tools = tmp_path_factory.mktemp("build-env") / "env"
    venv.create(tools, with_pip=True)
    bindir = tools / ("Scripts" if os.name == "nt" else "bin")
    _run([bindir / "python", "-m", "pip", "install", "-q", "build"], cwd=tools.parent, env=_clean_env())
    out = tmp_path_factory.mktemp("sdist")
    _run([bindir / "python", "-m", "build", "--sdist", "--outdir", out, source_repo], cwd=out, env=_clean_env())
    (built,) = out.glob("meti_pi-*.tar.gz")
    return built


def test_sdist_holds_the_source_tree_a_rebuild_and_the_tests_need(
    sdist: Path, source_repo: Path, wheel: Path, tmp_path: Path
) -> None:
    # setuptools alone shipped the package and tests/test_*.py only: no conftest.py, corpus, golden
    # files, examples/, schemas/, register/ or tools/ (a suite that cannot be collected, and no
    # `make schemas`). MANIFEST.in grafts the tree; only the CI script and .gitignore stay out.
    import tarfile

    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=source_repo, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
        archive.extractall(tmp_path, filter="data")
    missing = sorted(f for f in filter(None, tracked) if f not in names and not f.startswith((".ci/", ".gitignore")))
    assert missing == []
    assert {"tests/conftest.py", "MANIFEST.in", "Makefile", ".pre-commit-hooks.yaml"} <= names
    # A wheel rebuilt from the unpacked sdist holds what the checkout's wheel holds.
    (unpacked,) = tmp_path.glob("meti_pi-*")
    out = tmp_path / "rebuilt"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, unpacked], cwd=tmp_path, env=_clean_env())
    (rebuilt,) = out.glob("meti_pi-*.whl")
    assert sorted(zipfile.ZipFile(rebuilt).namelist()) == sorted(zipfile.ZipFile(wheel).namelist())


def test_installed_wheel_runs_the_days_work_from_anywhere(installed: Path, tmp_path: Path) -> None:
    meti_pi = installed / "meti-pi"
    home = tmp_path / "desk"  # no checkout anywhere above it
    home.mkdir()
    env = _clean_env(
        GIT_AUTHOR_NAME="職員",
        GIT_AUTHOR_EMAIL="officer@meti-pi.invalid",
        GIT_COMMITTER_NAME="職員",
        GIT_COMMITTER_EMAIL="officer@meti-pi.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        HOME=str(home),
        METI_PI_TODAY=TODAY,
    )

    def cli(*args: str, cwd: Path = home, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        done = _run([meti_pi, *args], cwd=cwd, env=env, check=False)
        assert done.returncode in ok, (
            f"meti-pi {' '.join(args)} -> {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        assert "unexpected error" not in done.stderr, done.stderr
        return done

    assert str(REPO) not in cli("--version").stdout
    # A new register from the packaged template, with its own .schemas/ copy.
    cli("init", "newreg")
    assert (home / "newreg" / ".schemas" / "files.schema.json").read_bytes() == (
        REPO / "schemas" / "files.schema.json"
    ).read_bytes()
    assert "ok:" in cli("validate", cwd=home / "newreg").stdout
    located = cli("--register", str(home / "newreg"), "schemas").stdout
    assert "up to date" in located and "site-packages" in located and str(REPO) not in located

    # The day's work on a copy of the example register in a fresh git repository.
    work = home / "ministry"
    shutil.copytree(EXAMPLE, work / "register")
    shutil.copytree(REPO / "examples" / "datasets", work / "datasets")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "example register"]):
        _run(["git", *args], cwd=work, env=env)
    sub = work / "datasets"  # commands find register/ upwards from a sub-folder
    cli("validate", cwd=sub)
    assert "管理" in cli("classify", "applicants_sjis.csv", cwd=sub).stdout
    cli("notify", "--check", cwd=sub, ok=(0, 1))
    cli("notify", "F-2026-CT38TF", "--late-reason", "自己点検で判明した通知漏れ", "--out", str(home / "out"), cwd=sub)
    assert list((home / "out").glob("*.md"))
    opened = cli(
        "incident",
        "open",
        "--known-on",
        "2026-11-24",
        "--division",
        "chusho-keiei-shien",
        "--file",
        "F-2026-S1J6E5",
        "--principals",
        "150",
        "--no-encrypted",
        "--summary",
        "USBメモリを紛失した",
        "--json",
        cwd=sub,
    )
    assert '"id"' in opened.stdout
    cli("inspect", "--year", "2026", "--json", cwd=sub)
    cli(
        "inspect",
        "--year",
        "2026",
        "--report",
        "--format",
        "docx",
        "--out",
        str(home / "out" / "inspection.docx"),
        cwd=sub,
    )
    assert (home / "out" / "inspection.docx").stat().st_size > 0
    cli("export", "filebook", "--format", "xlsx", "--out", str(home / "out" / "filebook.xlsx"), cwd=sub)
    verify = cli("history", "--verify", cwd=sub)
    assert "0 trailer mismatch" in verify.stdout
    assert _run(["git", "status", "--porcelain"], cwd=work, env=env).stdout == ""


# -- pre-commit, as a register repository's .pre-commit-config.yaml uses it ---------------------


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's store for this session: the hook environment is built once (pip install of the
    snapshot at its commit) and reused by every run."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _register_repo(where: Path, source: Path) -> Path:
    shutil.copytree(source, where / "register")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "register"]):
        _run(["git", *args], cwd=where, env=_git_env())
    return where


def _git_env(**extra: str) -> dict[str, str]:
    return _clean_env(
        GIT_AUTHOR_NAME="職員",
        GIT_AUTHOR_EMAIL="officer@meti-pi.invalid",
        GIT_COMMITTER_NAME="職員",
        GIT_COMMITTER_EMAIL="officer@meti-pi.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        **extra,
    )


def _try_repo(repo: Path, source_repo: Path, home: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    head = _run(["git", "rev-parse", "HEAD"], cwd=source_repo).stdout.strip()
    return _run(
        [pre_commit, "try-repo", source_repo, *hook, "--ref", head, "--all-files", "--color", "never"],
        cwd=repo,
        env=_git_env(PRE_COMMIT_HOME=str(home), METI_PI_TODAY=TODAY),
        check=False,
    )


def test_hooks_file_declares_both_hooks_for_any_register_repository() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"meti-pi-validate", "meti-pi-notify-check"}
    for hook in hooks.values():
        # pre-commit installs this repository (non-editable) into its own environment.
        assert hook["language"] == "python" and hook["entry"].startswith("meti-pi ")
        assert hook["pass_filenames"] is False and hook["always_run"] is True  # the register as a whole


def test_pre_commit_hooks_green_on_a_valid_register(tmp_path: Path, source_repo: Path, pre_commit_home: Path) -> None:
    repo = _register_repo(tmp_path / "ministry", REPO / "register")
    done = _try_repo(repo, source_repo, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "meti-pi validate" in done.stdout and "meti-pi notify --check" in done.stdout
    assert "Failed" not in done.stdout


def test_pre_commit_hooks_red_with_path_line_on_a_broken_register(
    tmp_path: Path, source_repo: Path, pre_commit_home: Path
) -> None:
    repo = _register_repo(tmp_path / "ministry", EXAMPLE)
    bad = repo / "register" / "divisions" / "kanbo-joho-system.yaml"
    text = bad.read_text(encoding="utf-8")
    assert "org: 経済産業省" in text
    bad.write_text(text.replace("org: 経済産業省", "org: 財務省"), encoding="utf-8")
    line = 1 + text[: text.index("org: 経済産業省")].count("\n")
    _run(["git", "commit", "-qam", "a hand edit"], cwd=repo, env=_git_env())

    validate = _try_repo(repo, source_repo, pre_commit_home, "meti-pi-validate")
    assert validate.returncode == 1, validate.stdout + validate.stderr
    assert "Failed" in validate.stdout
    assert f"divisions/kanbo-joho-system.yaml:{line}: $.org: error[schema]" in validate.stdout
    # The example register (today 2026-11-26) has a file whose Art. 35(1) notice was never made.
    notify = _try_repo(repo, source_repo, pre_commit_home, "meti-pi-notify-check")
    assert notify.returncode == 1, notify.stdout + notify.stderr
    assert "files/F-2026-CT38TF.yaml:" in notify.stdout and "error[notice-missing]" in notify.stdout


# -- the ready-to-copy CI pipelines of examples/ci/, run as their runners would ------------------


def _pipeline_scripts(name: str) -> tuple[dict[str, str], list[str]]:
    """(variables, shell scripts in order) of examples/ci/<name>."""
    import yaml

    doc = yaml.safe_load((REPO / "examples" / "ci" / name).read_text(encoding="utf-8"))
    if name.startswith("github"):
        assert set(doc.get("on") or doc[True]) >= {"push", "pull_request"}  # PyYAML reads the key `on` as YAML 1.1 true
        (job,) = doc["jobs"].values()
        steps = job["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
        return dict(doc.get("env", {})), [s["run"] for s in steps if "run" in s]
    (job,) = (v for k, v in doc.items() if isinstance(v, dict) and "script" in v)
    assert job["artifacts"]["reports"]["junit"] and job["artifacts"]["when"] == "always"
    return dict(job.get("variables", {})), [*job.get("before_script", []), *job["script"]]


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_pipeline_runs_green_then_red(name: str, tmp_path: Path, installed: Path, wheel: Path) -> None:
    variables, scripts = _pipeline_scripts(name)
    assert "METI_PI_PACKAGE" in variables and any("$METI_PI_PACKAGE" in s for s in scripts)
    assert any(s.startswith("meti-pi validate") for s in scripts) and "meti-pi notify --check" in scripts

    def run_all(repo: Path) -> list[subprocess.CompletedProcess[str]]:
        # The package is the wheel under test; `python` and `meti-pi` come from the fresh venv.
        env = _git_env(
            **{**{k: str(v) for k, v in variables.items()}, "METI_PI_PACKAGE": str(wheel), "METI_PI_TODAY": TODAY}
        )
        env["PATH"] = f"{installed}{os.pathsep}{env['PATH']}"
        done = []
        for script in scripts:
            done.append(
                _run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo, env=env, check=False)
            )
            if done[-1].returncode != 0 and "|| true" not in script:
                break  # the runner stops the job at the first failing step
        return done

    good = run_all(_register_repo(tmp_path / "good", REPO / "register"))
    assert [d.returncode for d in good] == [0] * len(scripts), [d.stdout + d.stderr for d in good]
    reports = list((tmp_path / "good").glob("meti-pi-validate.xml"))
    assert reports and ET_parse_failures(reports[0]) == "0"

    bad = _register_repo(tmp_path / "bad", REPO / "register")
    (bad / "register" / "divisions").mkdir()
    (bad / "register" / "divisions" / "oops.yaml").write_text(
        "schema_version: 1\nid: oops\nname: 課\norg: 財務省\nmanager_post: 課長\n", encoding="utf-8"
    )
    red = run_all(bad)
    failed = [d for d in red if d.returncode != 0]
    assert failed and failed[0].returncode == 1
    if name.startswith("github"):
        assert "::error file=register/divisions/oops.yaml,line=4," in failed[0].stdout
    else:
        assert ET_parse_failures(bad / "meti-pi-validate.xml") == "1"


def ET_parse_failures(path: Path) -> str | None:  # noqa: N802 - reads as what it does
    import xml.etree.ElementTree as ET

    return ET.parse(path).getroot().get("failures")
