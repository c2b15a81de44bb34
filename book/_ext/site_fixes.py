"""Sphinx fixes for the site, each for a defect a reader's browser (or an accessibility check)
would report.

- Jupyter Book 1 registers sphinx-thebe's configuration script twice, so every page logs
  "Identifier 'THEBE_JS_URL' has already been declared" in the console (and togglebutton's
  selector twice). Keep the first copy of each identical script (same file, same attributes).
- A figure glued with ``{glue:figure}`` gets its image's alt text from nowhere (docutils then
  writes the file name). Every numbered figure of the book has a caption written to state the
  finding in numbers (the numbers glued from the package), so the image's alt text is that
  caption's text: one text, computed, never typed twice. An image without a caption and without
  alt text fails the build (a figure must say what it shows).
- Two extensions Jupyter Book always loads do not declare whether they are safe for parallel
  reading, so Sphinx reads every page serially. Both are: sphinx-multitoc-numbering only
  replaces how section numbers are assigned, which Sphinx does in the main process after
  reading; sphinx-jupyterbook-latex adds per-document transforms that keep no state between
  documents. They are declared safe here (the build test compares a parallel build with a
  serial one, byte for byte).
"""

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", str(script)) or "",
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def _alt_from_captions(app, doctree):
    """Give every image inside a captioned figure the caption's text as alt text."""
    for figure in doctree.findall(nodes.figure):
        captions = [c for c in figure.children if isinstance(c, nodes.caption)]
        if not captions:
            continue
        text = " ".join(captions[0].astext().split())
        for image in figure.findall(nodes.image):
            if not image.get("alt"):
                image["alt"] = text
    for image in doctree.findall(nodes.image):
        if not image.get("alt") and not str(image.get("uri", "")).startswith("_static"):
            logger.warning("image without alt text or caption: %s", image.get("uri"), location=image)


#: Extensions read as parallel-safe although they do not say so (see the module docstring).
PARALLEL_READ_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def _declare_parallel_read_safe(app):
    for name in PARALLEL_READ_SAFE:
        extension = app.extensions.get(name)
        if extension is not None and extension.parallel_read_safe is None:
            extension.parallel_read_safe = True


def setup(app):
    app.connect("builder-inited", _declare_parallel_read_safe)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-read", _alt_from_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
