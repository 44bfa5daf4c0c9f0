# meti-pi: `make demo` runs the main job on the example register; `make test` runs the tests.
# Both install what they need into .venv (a fresh machine needs only Python 3.11, pip and git).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test stress bench check-schemas fast-schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" bash examples/demo.sh

test: $(STAMP)
	$(PY) -m pytest -m "not stress"

stress: $(STAMP)
	$(PY) -m pytest -m stress -p no:cacheprovider -s tests

bench: $(STAMP)
	$(PY) bench/run.py

# Independent check of every record of both registers against the shipped schemas.
check-schemas: $(STAMP)
	$(PY) tests/check_registers_with_check_jsonschema.py

# The compiled fast validators shipped in meti_pi/fastschemas/: regenerate after editing schemas/.
fast-schemas: $(STAMP)
	$(PY) -m meti_pi.fastgen

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis bench/.data bench/out
