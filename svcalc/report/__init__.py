"""What people look at: the board report of an appraisal (HTML and PDF) and the try-it page.

An edge beside :mod:`svcalc.api`: a report is a view of an appraisal's response body, so the
core never imports this package, and nothing of it loads on the JSON path. ``document`` writes
the report (Jinja2, WeasyPrint for the PDF), ``charts`` declares its charts once as Vega-Lite
specs with the tables of their numbers (vl-convert draws them as SVG), ``pages`` serves the
try-it page at ``/`` with the worked examples of ``examples``.
"""
