"""The board report of an appraisal: HTML from a Jinja2 template, PDF from that HTML by WeasyPrint.

The report reads the appraisal's response body (the JSON a client gets), so its figures are the
JSON's figures, rounded once by :func:`svcalc.api.render.body`. Its footer makes it
reproducible: svcalc's version, the reference data's version, the date it was made and the
SHA-256 of the proposal exactly as it was received (``sha256sum proposal.json`` checks a copy).

The HTML is one self-contained file (its style and charts inline, nothing fetched), so it can be
saved or mailed as it is; the PDF is laid out for A4 by the same template's print rules.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import jinja2
from markupsafe import Markup

from svcalc.core.model import Proposal
from svcalc.report import charts
from svcalc.report.format import Format

__all__ = ["RATINGS", "TEMPLATES", "html", "pdf"]

#: Each rating in words, with a mark that survives black-and-white printing.
RATINGS = {
    "robust": ("Robust", "\u2714"),
    "viable_with_cautions": ("Viable with cautions", "!"),
    "over_bullish": ("Over-bullish", "\u2716"),
    "not_viable": ("Not viable", "\u2716"),
}
#: The report's templates (this package's templates/), compiled on first use; a name the
#: template does not know is an error, never a blank.
TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("svcalc.report"),
                               autoescape=jinja2.select_autoescape(["html"]),
                               undefined=jinja2.StrictUndefined)
MODELS = {
    "outsourcing": "Outsourcing", "long_term_partnership": "Long-term partnership",
    "joint_venture": "Joint venture", "shared_service": "Shared service",
    "channel_shift": "Channel shift", "other": "Partnership",
}


def html(a: dict[str, Any], proposal: Proposal, received: bytes,
         today: datetime.date | None = None) -> str:
    """The report of ``proposal`` as an HTML document, from ``a``, its appraisal's response
    body. ``received`` is the request body as it arrived (its hash goes in the footer); ``today``
    is the date printed (default: today, UTC)."""
    f = Format(a["method"]["currency"])
    drawn = [(fig, [Markup(charts.svg(spec)) for spec in fig.specs])
             for fig in charts.figures(a, f)]
    made = today or datetime.datetime.now(datetime.UTC).date()
    return TEMPLATES.get_template("report.html").render(
        a=a, f=f, figures=drawn, rating=RATINGS[a["verdict"]["rating"]],
        model=MODELS.get(proposal.partnership_model, "Partnership"),
        term_years=proposal.term_years, date=made.isoformat(),
        digest=hashlib.sha256(received).hexdigest())


def pdf(page: str) -> bytes:
    """The HTML report ``page`` as a PDF (A4), by WeasyPrint (imported here, on first use).

    The report is self-contained, so WeasyPrint is allowed to fetch nothing, by no protocol.
    """
    import weasyprint

    fetch_nothing = weasyprint.URLFetcher(allowed_protocols=())
    document: bytes = weasyprint.HTML(string=page, url_fetcher=fetch_nothing).write_pdf()
    return document
