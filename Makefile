# The README's two commands. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench workbooks templates golden shortcuts ribbon wheelhouse clean

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
	$(BIN)/python -m addin.devtools.workbooks

# regenerate the attachment templates (workbooks/templates, addin/data/templates)
templates: $(STAMP)
	$(BIN)/python -m addin.devtools.build_templates

# regenerate the golden renderings of the attachments
golden: $(STAMP)
	$(BIN)/python -m addin.devtools.golden

# regenerate vba_stubs/customUI.xml (the ribbon) from the table of use cases
ribbon: $(STAMP)
	$(BIN)/python -m addin.excel.ribbonui

# regenerate 安装.bat, 准备离线安装包.bat and 台账工具.bat from addin/launcher/windows
shortcuts: $(STAMP)
	$(BIN)/python -m addin.launcher.shortcuts

# the offline install for 64-bit Windows, Python 3.11 (what 准备离线安装包.bat runs on Windows):
# our wheel, wheels built here for the dependencies PyPI has only as sources, the win_amd64
# binaries of the rest, and a check that the product resolves from the folder alone
wheelhouse: $(BIN)/python
	$(BIN)/python addin/launcher/wheelhouse.py wheelhouse

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/benchmarks -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache wheelhouse
