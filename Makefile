# Two commands: `make book` builds the site, `make test` runs the tests. Both create .venv
# from the pinned requirements when it is missing, and bring it to the pins in place when they
# changed (a stamp holds their hash); the build fingerprint names every installed distribution.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-hash
HASH   := $(shell cat requirements.txt constraints.txt | sha256sum | cut -c1-64)
# The pages import the package from this checkout: the kernels inherit PYTHONPATH (and a .pth
# file written when the venv is created lets `.venv/bin/jupyter-book build .` work by hand).
export PYTHONPATH := $(CURDIR)

.PHONY: book book-clean test verify validate venv clean lock

venv:
	@if [ ! -x $(BIN)/python ]; then \
	  echo "creating $(VENV) from requirements.txt + constraints.txt"; \
	  $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt -c constraints.txt && \
	  echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/report-analysis.pth" && \
	  echo "$(HASH)" > $(STAMP); \
	elif [ "$$(cat $(STAMP) 2>/dev/null)" != "$(HASH)" ]; then \
	  echo "updating $(VENV) in place to requirements.txt + constraints.txt (never deleted: other checkouts and running builds may share it)"; \
	  $(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt -c constraints.txt && \
	  echo "$(HASH)" > $(STAMP); \
	fi

# Fast and never stale (analysis/report/store.py): claim results are evaluated once per build
# into _build/.report; every page whose last execution read exactly the inputs it would read now
# is re-used, the others are executed two at a time (JOBS) in kernels that record what they read;
# then the strict Sphinx build (-n -W --keep-going) renders them, executing nothing itself. A
# failed or interrupted build never leaves a page or result that a later build re-uses against
# other inputs (each is keyed on the content of what it read).
JOBS ?= 2

book: venv
	$(BIN)/python -m analysis.report.store build --jobs $(JOBS)

# A from-scratch build.
book-clean: venv
	rm -rf _build
	$(MAKE) book

test: venv
	$(BIN)/python -m pytest --durations=15 --import-mode=importlib

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
	rm -rf _build .pytest_cache

# PDFs to attach to a review: the whole report and one per claim page, printed from the built site
# by Debian's chromium (analysis/report/pdf.py) into _build/html/_static/pdf/. REPORT_PDF=1 points
# each page's download button at its PDF (the pages are re-written, not re-executed). Not part of
# `make book`: printing takes a minute or two.
.PHONY: pdf
pdf: venv
	REPORT_PDF=1 $(MAKE) book
	$(BIN)/python -m analysis.report.pdf _build/html
