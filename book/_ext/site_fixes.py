"""Sphinx fixes for the site, each for a defect a reader's browser would report.

- Jupyter Book 1 registers sphinx-thebe's configuration script twice, so every page logs
  "Identifier 'THEBE_JS_URL' has already been declared" in the console (and togglebutton's
  selector twice). Keep the first copy of each identical script (same file, same attributes).
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", str(script)) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
