"""Page data: for each page of the book, the values it shows, computed by tested functions.

One module per page, named after the page's file (``book/claims/meta-analysis.md`` ->
``meta_analysis``); each returns plain values (str/int/float) keyed by the names the page glues
under its prefix (:class:`analysis.report.glue.PageGlue`). Pages only call these and glue the
result: no page computes a number or parses a sentence itself.
"""
