"""Build the worked example workbook: svcalc's verdict and figures in cells through WEBSERVICE.

    python addin/example/build_workbook.py [--base https://svcalc.example.org] [--out file.xlsx]

Every figure cell is ``=WEBSERVICE(url)`` with ``format=text`` (one bare number, ``.`` decimals),
next to ``=NUMBERVALUE(cell, ".")`` to make it a number whatever the locale. The URL is built from
the parameter cells, so changing a parameter re-asks svcalc. The verdict comes first, as in the
API: its rating and headline, then the flags (severity, code, message), read with FILTERXML
from one ``field=flags&format=xml`` answer. WEBSERVICE and FILTERXML exist in
Excel for Windows and in LibreOffice Calc (not in Excel for the web or Mac). The output is
byte-for-byte reproducible (fixed timestamps), so the committed copy is checked by a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

DEFAULT_BASE = "http://127.0.0.1:8000"
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "svcalc-example.xlsx"
FIXED_TIME = dt.datetime(2026, 1, 1)

#: The worked example (svcalc/api/examples.py): name, value, what it is.
PARAMETERS = [
    ("term_years", 10, "contract years"),
    ("public.baseline_annual_cost", 10_000_000, "in-house cost per year (business as usual)"),
    ("public.annual_payment", 8_600_000, "contract price per year"),
    ("public.retained_costs", 400_000, "client-side costs kept per year"),
    ("public.upfront_costs.procurement", 250_000, "one-off, year 0"),
    ("public.upfront_costs.transition", 400_000, "one-off, year 0"),
    ("public.upfront_costs.it", 300_000, "one-off, year 0"),
    ("public.upfront_costs.legal", 100_000, "one-off, year 0"),
    ("supplier.upfront_investment", 500_000, "supplier's own year-0 investment"),
    ("supplier.annual_operating_cost", 8_000_000, "supplier's running cost per year"),
]

#: (label, field) of the appraisal figures shown.
FIGURES = [
    ("Public NPV (GBP, Green Book STPR)", "public.npv"),
    ("Public IRR", "public.irr"),
    ("Public payback (years)", "public.payback_years"),
    ("Public peak funding need (GBP)", "public.peak_funding_requirement"),
    ("Supplier NPV at its cost of capital (GBP)", "supplier.npv"),
    ("Supplier whole-life margin", "supplier.whole_life_margin"),
    ("Support ratio (BAU / partnership cost)", "partnership.support_ratio"),
]

#: Flags shown (the worked example raises 5; more are possible on other proposals).
MAX_FLAGS = 8
#: What each flag row shows, column by column.
FLAG_FIELDS = ("severity", "code", "message")

#: Where things are, for the tests and the README.
BASE_CELL = "B3"
FIRST_PARAM_ROW = 6
QUERY_ROW = FIRST_PARAM_ROW + len(PARAMETERS) + 1
VERDICT_ROW = QUERY_ROW + 3
HEADLINE_ROW = VERDICT_ROW + 1
FLAGS_XML_ROW = HEADLINE_ROW + 1
FIRST_FLAG_ROW = FLAGS_XML_ROW + 2
FIRST_FIGURE_ROW = FIRST_FLAG_ROW + MAX_FLAGS + 3
SERIES_ROW = FIRST_FIGURE_ROW + len(FIGURES) + 2
FILTERXML_ROW = SERIES_ROW + 1
NA_ROW = SERIES_ROW + 2


def figure_cells() -> dict[str, str]:
    """Field -> the cell holding its WEBSERVICE text (column C); column D is the number."""
    cells = {field: f"C{FIRST_FIGURE_ROW + i}" for i, (_, field) in enumerate(FIGURES)}
    cells["series.npv"] = f"C{SERIES_ROW}"
    cells["filterxml.public.bcr"] = f"C{FILTERXML_ROW}"
    cells["series.irr_na"] = f"C{NA_ROW}"
    return cells


def verdict_cells() -> dict[str, object]:
    """The verdict's cells: rating and headline (column C), and per flag row its cells."""
    return {"verdict.rating": f"C{VERDICT_ROW}", "verdict.headline": f"C{HEADLINE_ROW}",
            "flags": [{name: f"{column}{FIRST_FLAG_ROW + i}"
                       for name, column in zip(FLAG_FIELDS, "BCD", strict=True)}
                      for i in range(MAX_FLAGS)]}


def build(base: str = DEFAULT_BASE) -> bytes:
    """The workbook as reproducible .xlsx bytes, asking the svcalc at ``base``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "svcalc"
    bold = Font(bold=True)
    ws["A1"] = "svcalc worked example: a 10-year outsourcing, figures asked live from the API"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A3"], ws[BASE_CELL] = "svcalc API base URL (edit me)", base
    ws["A5"], ws["B5"], ws["C5"] = "parameter (query name)", "value", "meaning"
    for cell in ("A5", "B5", "C5"):
        ws[cell].font = bold
    pieces = []
    for i, (name, value, meaning) in enumerate(PARAMETERS):
        row = FIRST_PARAM_ROW + i
        ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = name, value, meaning
        pieces.append(f'"&A{row}&"="&B{row}&"')
    ws[f"A{QUERY_ROW}"] = "query (built from the parameters)"
    ws[f"B{QUERY_ROW}"] = '="' + "&".join(pieces) + '"'
    query = f"$B${QUERY_ROW}"
    appraisal = f'$B$3&"/v1/sheets/appraisal?"&{query}'
    # The verdict first: rating, headline, then the flags with their evidence.
    ws[f"A{VERDICT_ROW - 1}"] = "The verdict"
    ws[f"A{VERDICT_ROW - 1}"].font = Font(bold=True, size=12)
    for row, label, field in ((VERDICT_ROW, "Verdict (not_viable, over_bullish, "
                               "viable_with_cautions, robust)", "verdict.rating"),
                              (HEADLINE_ROW, "Headline: the decisive finding", "verdict.headline")):
        ws[f"A{row}"], ws[f"B{row}"] = label, field
        ws[f"C{row}"] = f'=_xlfn.WEBSERVICE({appraisal}&"&field="&B{row}&"&format=text")'
        ws[f"C{row}"].font = bold
    ws[f"A{FLAGS_XML_ROW}"] = "the flags as XML (read by FILTERXML below)"
    ws[f"B{FLAGS_XML_ROW}"] = "flags"
    ws[f"C{FLAGS_XML_ROW}"] = f'=_xlfn.WEBSERVICE({appraisal}&"&field=flags&format=xml")'
    head = FIRST_FLAG_ROW - 1
    ws[f"A{head}"], ws[f"B{head}"], ws[f"C{head}"], ws[f"D{head}"] = (
        "flags raised (blank when fewer)", "severity", "code", "message, benchmark and evidence")
    for cell in (f"A{head}", f"B{head}", f"C{head}", f"D{head}"):
        ws[cell].font = bold
    xml = f"$C${FLAGS_XML_ROW}"
    for i, cells in enumerate(verdict_cells()["flags"]):
        ws[f"A{FIRST_FLAG_ROW + i}"] = f"flag {i + 1}"
        for name, cell in cells.items():
            ws[cell] = (f'=IFERROR(_xlfn.FILTERXML({xml},"//value[@name=\'flags.{i}.{name}\']"),'
                        '"")')
    head = FIRST_FIGURE_ROW - 1
    ws[f"A{head}"], ws[f"B{head}"] = "figure", "field"
    ws[f"C{head}"], ws[f"D{head}"] = "WEBSERVICE (text)", "NUMBERVALUE (number)"
    for cell in (f"A{head}", f"B{head}", f"C{head}", f"D{head}"):
        ws[cell].font = bold
    for i, (label, field) in enumerate(FIGURES):
        row = FIRST_FIGURE_ROW + i
        ws[f"A{row}"], ws[f"B{row}"] = label, field
        ws[f"C{row}"] = (f'=_xlfn.WEBSERVICE($B$3&"/v1/sheets/appraisal?"&{query}'
                         f'&"&field="&B{row}&"&format=text")')
        ws[f"D{row}"] = f'=_xlfn.NUMBERVALUE(C{row},".")'
    ws[f"A{SERIES_ROW}"] = "NPV of -1000, 300, 400, 500 at 5% (year 0 undiscounted)"
    ws[f"B{SERIES_ROW}"] = "npv"
    ws[f"C{SERIES_ROW}"] = ('=_xlfn.WEBSERVICE($B$3&"/v1/sheets/series?values=-1000,300,400,500'
                            '&rate=0.05&field="&B' + str(SERIES_ROW) + '&"&format=text")')
    ws[f"D{SERIES_ROW}"] = f'=_xlfn.NUMBERVALUE(C{SERIES_ROW},".")'
    ws[f"A{FILTERXML_ROW}"] = "Public BCR, one field of format=xml read with FILTERXML"
    ws[f"B{FILTERXML_ROW}"] = "public.bcr"
    ws[f"C{FILTERXML_ROW}"] = (
        f'=_xlfn.FILTERXML(_xlfn.WEBSERVICE($B$3&"/v1/sheets/appraisal?"&{query}'
        f'&"&field=public&format=xml"),"//value[@name=\'"&B{FILTERXML_ROW}&"\']")')
    ws[f"D{FILTERXML_ROW}"] = f'=_xlfn.NUMBERVALUE(C{FILTERXML_ROW},".")'
    ws[f"A{NA_ROW}"] = "IRR of 100, 10 (never changes sign): svcalc answers #N/A"
    ws[f"B{NA_ROW}"] = "irr"
    ws[f"C{NA_ROW}"] = ('=_xlfn.WEBSERVICE($B$3&"/v1/sheets/series?values=100,10&field="&B'
                        + str(NA_ROW) + '&"&format=text")')
    ws.column_dimensions["A"].width = 56
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 34
    ws.column_dimensions["D"].width = 60
    wb.properties.creator = "svcalc"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry timestamps so the file is reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified whatever we set.
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2",
                              data)
            dst.writestr(entry, data)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="svcalc API base URL")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .xlsx")
    args = parser.parse_args()
    args.out.write_bytes(build(args.base))
    print(args.out)


if __name__ == "__main__":
    main()
