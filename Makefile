# The two commands a new user types: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install run test eval schema clean

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (set PYTHON=python3.x)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run the flow on corpus/ and write out/ (metrics.jsonl, articles.jsonl, rejected.jsonl, report/)
run: install
	$(BIN)/cxmetrics run --corpus corpus --out out

## the test suite, as CI runs it
test: install
	$(BIN)/python -m pytest

## precision/recall against the seed gold beside the project
eval: run
	$(BIN)/cxmetrics eval --gold ../shared/gold --pred out/metrics.jsonl

## re-export the JSON Schema after changing schemas/records.py
schema: install
	$(BIN)/python -m schemas.export

clean:
	rm -rf out .state
