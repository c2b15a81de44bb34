# Two commands: `make book` builds the site, `make test` runs the tests. Both create .venv
# from the pinned requirements when it is missing or stale (a stamp holds their hash).
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
	@if [ ! -x $(BIN)/python ] || [ "$$(cat $(STAMP) 2>/dev/null)" != "$(HASH)" ]; then \
	  echo "creating $(VENV) from requirements.txt + constraints.txt"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.txt -c constraints.txt && \
	  echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/report-analysis.pth" && \
	  echo "$(HASH)" > $(STAMP); \
	fi

# Fast and never stale. DEPS is a fingerprint of everything a page's numbers can depend on
# beyond its own text: the package, the data, the pins, the config, the bibliography and the
# commit. When it changes, the execution cache and Sphinx's environment are wiped and every
# page is re-executed and re-read; when it has not changed, Sphinx re-reads only edited pages
# and jupyter-cache re-executes only pages whose code changed.
DEPS_FILES = find analysis data -type f ! -path '*/__pycache__/*' ! -name '*.pyc' | LC_ALL=C sort; \
             ls requirements.txt constraints.txt _config.yml _toc.yml book/references.bib
deps-hash = $$( { $(DEPS_FILES); } | xargs sha256sum | sha256sum | cut -c1-64)$$(git rev-parse HEAD 2>/dev/null)

book: venv
	@deps="$(deps-hash)"; \
	if [ "$$(cat _build/.deps-hash 2>/dev/null)" != "$$deps" ]; then \
	  echo "book: analysis/, data/, requirements, config or commit changed (or first build): re-executing every page"; \
	  rm -rf _build/.jupyter_cache _build/.doctrees _build/html _build/jupyter_execute book/_static/ledger.json book/_static/ledger.csv; \
	else \
	  echo "book: dependencies unchanged: re-using executed pages whose code is unchanged"; \
	fi; \
	$(BIN)/jupyter-book build . -n -W --keep-going && mkdir -p _build && echo "$$deps" > _build/.deps-hash

# A from-scratch build (what CI's build test does).
book-clean: venv
	rm -rf _build book/_static/ledger.json book/_static/ledger.csv
	$(MAKE) book

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

# PDFs to attach to a review: the whole report and one per claim page, printed from the built site
# by Debian's chromium (analysis/report/pdf.py) into _build/html/_static/pdf/. REPORT_PDF=1 points
# each page's download button at its PDF (the pages are re-written, not re-executed). Not part of
# `make book`: printing takes a minute or two.
.PHONY: pdf
pdf: venv
	REPORT_PDF=1 $(MAKE) book
	$(BIN)/python -m analysis.report.pdf _build/html
