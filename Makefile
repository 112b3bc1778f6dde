# make report: set up .venv if needed, run every notebook on the bundled data into reports/
#              (make report LANG=en: in English)
# make test:   lint, library and CLI tests, then nbval over the committed notebooks
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install report test lint lab kernel baseline clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# `make report LANG=en` gives the English report. Only a LANG given on make's command line
# counts: the LANG of the environment is the locale (en_US.UTF-8), not a report language.
REPORT_LANG := $(if $(filter command line,$(origin LANG)),$(LANG),zh)

report: $(STAMP)
	$(BIN)/fund-analysis run --out reports --lang $(REPORT_LANG)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# nbval re-executes the committed notebooks and compares their text outputs.
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

test: lint
	$(BIN)/pytest $(NBVAL) tests notebooks

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

# Register a "fund-analysis" kernel on .venv, for your own JupyterLab (wherever installed).
kernel: $(STAMP)
	$(BIN)/fund-analysis kernel install --user

# After an intended change: re-execute the notebooks in place, then review `git diff notebooks`.
baseline: $(STAMP)
	$(BIN)/python -c "from analysis.report.execute import refresh_baseline; refresh_baseline()"

clean:
	rm -rf reports .pytest_cache
