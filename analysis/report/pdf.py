"""PDFs of the report (placeholder: names only; printing follows)."""

PDF_DIR = "_static/pdf"
REPORT_PDF = f"{PDF_DIR}/report.pdf"


def pdf_for_page(pagename: str) -> str:
    """The PDF a page's download button offers: its own for a claim page, else the report's."""
    if pagename.startswith("book/claims/"):
        return f"{PDF_DIR}/{pagename.removeprefix('book/claims/')}.pdf"
    return REPORT_PDF
