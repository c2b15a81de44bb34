"""Where things live. Every other module asks here, so the layout is stated once."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BOOK = ROOT / "book"
COMMENTARY = DATA / "source" / "commentary.txt"
CLAIMS = DATA / "claims.yaml"
BIBLIOGRAPHY = BOOK / "references.bib"
