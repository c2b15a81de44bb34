# Two commands: `make book` builds the site, `make test` runs the tests. Both create .venv
# from the pinned requirements when it is missing or stale (a stamp holds their hash).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-hash
HASH   := $(shell cat requirements.txt constraints.txt | sha256sum | cut -c1-64)
SITE_PACKAGES = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: book test verify validate venv clean lock

venv:
	@if [ ! -x $(BIN)/python ] || [ "$$(cat $(STAMP) 2>/dev/null)" != "$(HASH)" ]; then \
	  echo "creating $(VENV) from requirements.txt + constraints.txt"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt -c constraints.txt && \
	  echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/report-analysis.pth" && \
	  echo "$(HASH)" > $(STAMP); \
	fi
	@echo "$(CURDIR)" > "$(SITE_PACKAGES)/report-analysis.pth"

# A clean build every time: every notebook executes, nothing stale can survive.
book: venv
	rm -rf _build/html _build/.doctrees _build/jupyter_execute book/_static/ledger.json
	$(BIN)/jupyter-book build . --all -n -W --keep-going

test: venv
	$(BIN)/python -m pytest

verify: venv
	$(BIN)/python -m analysis verify

validate: venv
	$(BIN)/python -m analysis validate

# Regenerate the transitive pin set after changing requirements.txt.
lock:
	rm -rf /tmp/report-lock-venv && $(PYTHON) -m venv /tmp/report-lock-venv && \
	/tmp/report-lock-venv/bin/pip install --quiet -r requirements.txt && \
	( echo "# Full transitive pin set for reproducible builds (pip freeze of a venv made from requirements.txt)."; \
	  /tmp/report-lock-venv/bin/pip freeze | grep -v -iE '^(pip|setuptools|wheel)==' ) > constraints.txt

clean:
	rm -rf _build book/_static/ledger.json .pytest_cache
