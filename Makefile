# meti-pi: `make demo` runs the main job on the example register; `make test` runs the tests.
# Both install what they need into .venv (a fresh machine needs only Python 3.11, pip and git).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo render check test test-fast slow stress bench check-schemas schemas fast-schemas clean

$(STAMP): pyproject.toml
	@echo "== first run: creating $(VENV) and installing meti-pi with its dependencies (typer, rich, ruamel.yaml, jsonschema, python-docx, openpyxl, ...); about a minute"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash examples/demo.sh

# Every document of the demo as PDF and PNG pages (needs LibreOffice and poppler; skipped without).
render: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash examples/render.sh

# The gates CI runs before the tests (issue 17): lint and format (ruff) and types (mypy --strict),
# configured in pyproject.toml.
check: $(STAMP)
	$(VENV)/bin/ruff check meti_pi tests bench tools setup.py
	$(VENV)/bin/ruff format --check meti_pi tests bench tools setup.py
	$(VENV)/bin/mypy

# What CI runs: everything but the stress tier (unit, slow and integration cases).
test: $(STAMP)
	$(PY) -m pytest -m "not stress"

# The tier to run after every change: no installed-wheel/pre-commit, slow or stress cases (< 90 s),
# in two processes (pytest-xdist; each test has its own tmp_path, git config and cache folder).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not stress and not slow and not integration" -n 2

slow: $(STAMP)
	$(PY) -m pytest -m "slow or integration"

stress: $(STAMP)
	$(PY) -m pytest -m stress -p no:cacheprovider -s tests

# SCALE=100000 (or 10000,50000,100000): the register figures per size beside the 10k ones, with growth.
bench: $(STAMP)
	$(PY) bench/run.py $(if $(SCALE),--scale $(SCALE))

# Independent check of every record of both registers against the shipped schemas.
check-schemas: $(STAMP)
	$(PY) -m pip install -q check-jsonschema
	$(PY) tests/check_registers_with_check_jsonschema.py

# The package's copies of the source-of-truth folders (wheels carry meti_pi/data/, not schemas/ or
# register/). Run after editing either; tests/test_packaging.py fails while they differ.
schemas: $(STAMP)
	rm -rf meti_pi/data/schemas meti_pi/data/register
	mkdir -p meti_pi/data/schemas meti_pi/data/register
	cp schemas/*.schema.json meti_pi/data/schemas/
	cd register && find . -name '*.yaml' | tar -cf - -T - | (cd ../meti_pi/data/register && tar -xf -)
	$(PY) tools/fastgen.py

# The compiled fast validators shipped in meti_pi/fastschemas/: regenerate after editing schemas/.
fast-schemas: $(STAMP)
	$(PY) tools/fastgen.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis bench/.data bench/out
