"""Where things live. Every other module asks here, so the layout is stated once.

``REPORT_DATA_DIR`` (environment) points the package at another copy of ``data/``; the tests use
it to run the command line on deliberately broken inputs.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("REPORT_DATA_DIR") or ROOT / "data").resolve()
BOOK = ROOT / "book"
COMMENTARY = DATA / "source" / "commentary.txt"
CLAIMS = DATA / "claims.yaml"
BIBLIOGRAPHY = BOOK / "references.bib"
TOC = ROOT / "_toc.yml"
