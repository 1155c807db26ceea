# The README's two commands. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench workbooks templates golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/zhicheng demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# regenerate workbooks/template.xlsx and workbooks/sample-2024.xlsx after a schema change
workbooks: $(STAMP)
	$(BIN)/python -m addin.book.sample

# regenerate the attachment templates (workbooks/templates, addin/data/templates)
templates: $(STAMP)
	$(BIN)/python -m addin.outputs.templates

# regenerate the golden renderings of the attachments
golden: $(STAMP)
	$(BIN)/python -m addin.outputs.documents --golden

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/benchmarks -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
