"""Printable, self-contained HTML documents: the planners' report and the referral sheet.

Every document is built from results and public views only; see ``_template.py`` for the shared
page shell (print CSS, sources and caveats, fictional-data notice).
"""
