"""The report's charts, each declared once as a Vega-Lite spec with the table of its numbers.

A figure is built from an appraisal's response body (the JSON a client gets, money rounded to
2 decimals by :func:`svcalc.api.render.body`), so every number a chart draws is one the JSON
carries; the view only picks and scales them. :func:`svg` draws a spec with vl-convert (Vega
and Vega-Lite in an embedded JavaScript engine, no browser, no network), imported only when a
report is drawn. The same spec would render in a browser with vega-embed; the report and the
try-it page both show the SVG drawn here, so there is one drawing of each chart.

Every chart is printable in black and white (stated and risk-adjusted differ by dash as well
as colour) and has its numbers as a table beside it, for screen readers and for checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from svcalc.core.reference import REFERENCE
from svcalc.core.sensitivity import LEVERS
from svcalc.report.format import Format

__all__ = ["Figure", "Table", "figures", "svg"]

#: Stated and risk-adjusted: colour for screens, dash for black-and-white print.
VIEWS = ("as stated", "risk-adjusted")
VIEW_COLOURS = ("#1f3b73", "#b5540b")
VIEW_DASHES = ([1, 0], [6, 3])
#: Channels from the costliest to the cheapest, dark to light (they read in grey too).
CHANNEL_COLOURS = {"face_to_face": "#08306b", "telephone": "#2f6eb5", "post": "#6a9fd0",
                   "email": "#a8c8e6", "online": "#e3eef8"}
CONFIG = {
    "font": "DejaVu Sans, Helvetica, Arial, sans-serif",
    "axis": {"labelFontSize": 10, "titleFontSize": 10, "grid": True, "gridColor": "#e4e4e4"},
    "legend": {"labelFontSize": 10, "titleFontSize": 10, "orient": "bottom"},
    "view": {"stroke": None},
}
FULL, HALF = 560, 250
#: The low-ball floor of the supplier's margin (SUPPLIER_MARGIN_LOW_BALL, critical below).
_LOW_BALL = next(r["thresholds"]["critical_below"] for r in REFERENCE["flag_rules"]["rules"]
                 if r["code"] == "SUPPLIER_MARGIN_LOW_BALL")
_NOUNS = {name: noun for name, _, _, noun in LEVERS}


@dataclass(frozen=True)
class Table:
    """A chart's numbers: a caption, column headings and rows of formatted cells."""

    caption: str
    head: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    """One figure of the report: Vega-Lite specs drawn side by side, what they show in a
    sentence (their caption and accessible description), and their numbers as tables."""

    key: str
    title: str
    caption: str
    specs: list[dict[str, Any]]
    tables: list[Table] = field(default_factory=list)


def _unit(values: list[float], f: Format) -> tuple[float, str]:
    """The divisor and axis unit that keep a chart's money readable (``£m`` for millions)."""
    top = max((abs(v) for v in values), default=0.0)
    for divisor, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if top >= divisor:
            return divisor, f"{f.symbol.strip()}{suffix}"
    return 1.0, f.symbol.strip()


def _spec(description: str, width: int, height: int, layers: list[dict[str, Any]],
          **extra: Any) -> dict[str, Any]:
    return {"description": description, "width": width, "height": height,
            "background": "white", "config": CONFIG, "layer": layers, **extra}


def _rule(channel: str, at: float, colour: str, dash: list[int] | None = None) -> dict[str, Any]:
    """A line across the chart at ``at`` on ``channel`` (a layer of one row of its own data)."""
    mark: dict[str, Any] = {"type": "rule", "color": colour}
    if dash:
        mark["strokeDash"] = dash
    return {"data": {"values": [{}]}, "mark": mark, "encoding": {channel: {"datum": at}}}


def _view_encoding() -> dict[str, Any]:
    scale = {"domain": list(VIEWS)}
    return {
        "color": {"field": "view", "type": "nominal", "title": None,
                  "scale": {**scale, "range": list(VIEW_COLOURS)},
                  "legend": {"symbolType": "stroke", "symbolStrokeWidth": 2}},
        "strokeDash": {"field": "view", "type": "nominal", "title": None,
                       "scale": {**scale, "range": list(VIEW_DASHES)}},
    }


def _cumulative_spec(side: str, a: dict[str, Any], f: Format) -> dict[str, Any]:
    rows = a["cash_flows"]
    stated = [r[f"{side}_cumulative"] for r in rows]
    adjusted = [r[f"{side}_cumulative_risk_adjusted"] for r in rows]
    divisor, unit = _unit(stated + adjusted, f)
    data = [{"year": r["year"], "view": view, "value": value / divisor}
            for view, series in zip(VIEWS, (stated, adjusted), strict=True)
            for r, value in zip(rows, series, strict=True)]
    x = {"field": "year", "type": "quantitative", "title": "year",
         "axis": {"format": "d", "tickMinStep": 1}}
    layers: list[dict[str, Any]] = [
        _rule("y", 0.0, "#555"),
        {"data": {"values": data},
         "mark": {"type": "line", "strokeWidth": 2, "point": len(rows) <= 21},
         "encoding": {"x": x, "y": {"field": "value", "type": "quantitative",
                                    "title": f"cumulative, {unit}"}, **_view_encoding()}},
    ]
    # Dots, not labels, at each payback and at the peak funding need: with a quick payback
    # they sit together near year 0, where words would overprint; the caption gives the figures.
    case = a[side]
    marks = [{"year": years, "value": 0.0}
             for years in (case["payback_years"], case.get("payback_years_risk_adjusted"))
             if years is not None]
    deepest = min(range(len(stated)), key=stated.__getitem__)
    if case["peak_funding_requirement"] > 0:
        marks.append({"year": rows[deepest]["year"], "value": stated[deepest] / divisor})
    if marks:
        layers.append({"data": {"values": marks},
                       "mark": {"type": "point", "filled": True, "size": 45, "color": "#000"},
                       "encoding": {"x": {"field": "year", "type": "quantitative"},
                                    "y": {"field": "value", "type": "quantitative"}}})
    who = "public body" if side == "public" else "supplier"
    return _spec(f"Cumulative net cash flow of the {who}, as stated and risk-adjusted, by year",
                 HALF, 150, layers)


def _cumulative(a: dict[str, Any], f: Format) -> Figure:
    pub, sup = a["public"], a["supplier"]
    table = Table(
        "Cumulative net cash flow by year (year 0: the upfront costs and investment)",
        ["year", "public, as stated", "public, risk-adjusted", "supplier, as stated",
         "supplier, risk-adjusted"],
        [[str(r["year"]), f.money(r["public_cumulative"]),
          f.money(r["public_cumulative_risk_adjusted"]), f.money(r["supplier_cumulative"]),
          f.money(r["supplier_cumulative_risk_adjusted"])] for r in a["cash_flows"]])
    caption = (
        f"Where each side's cumulative cash turns positive is its payback: the public body's "
        f"after {f.years(pub['payback_years'])} as stated and "
        f"{f.years(pub['payback_years_risk_adjusted'])} risk-adjusted, the supplier's after "
        f"{f.years(sup['payback_years'])} as stated; the lowest point is the peak funding "
        f"need ({f.short(pub['peak_funding_requirement'])} public, "
        f"{f.short(sup['peak_funding_requirement'])} supplier), each marked by a black dot. "
        f"Left: the public body; right: the supplier; solid as stated, dashed risk-adjusted.")
    return Figure("cumulative", "Cumulative cash flow of each side", caption,
                  [_cumulative_spec("public", a, f), _cumulative_spec("supplier", a, f)],
                  [table])


def _input_label(row: dict[str, Any]) -> str:
    noun = _NOUNS.get(row["input"], row["input"].replace("_", " "))
    return f"{noun[0].upper()}{noun[1:]} ({row['side']} NPV)"


def _tornado(a: dict[str, Any], f: Format) -> Figure | None:
    rows = a["sensitivity"]["tornado"]
    if not rows:
        return None
    moves = (("-20%", "npv_minus_20", "#9ec3e6"), ("+20%", "npv_plus_20", "#f2b27a"),
             ("-10%", "npv_minus_10", "#2f6eb5"), ("+10%", "npv_plus_10", "#b5540b"))
    values = [r[key] for r in rows for _, key, _ in moves] + [r["npv_base"] for r in rows]
    divisor, unit = _unit(values, f)
    labels = [_input_label(r) for r in rows]
    bars = [{"input": label, "change": change, "from": r["npv_base"] / divisor,
             "to": r[key] / divisor}
            for r, label in zip(rows, labels, strict=True) for change, key, _ in moves]
    y = {"field": "input", "type": "nominal", "title": None, "sort": labels,
         "axis": {"labelLimit": 230}}
    spec = _spec(
        "Tornado: each side's NPV with one input moved by -20%, -10%, +10% and +20%", FULL,
        28 * len(rows), [
            _rule("x", 0.0, "#555"),
            {"data": {"values": bars}, "mark": {"type": "bar", "height": 18},
             "encoding": {"y": y, "x": {"field": "from", "type": "quantitative",
                                        "title": f"NPV, {unit}"},
                          "x2": {"field": "to"},
                          "color": {"field": "change", "type": "nominal",
                                    "title": "the input moved by",
                                    "scale": {"domain": [moves[i][0] for i in (0, 2, 3, 1)],
                                              "range": [moves[i][2] for i in (0, 2, 3, 1)]}}}},
            {"data": {"values": [{"input": label, "base": r["npv_base"] / divisor}
                                 for r, label in zip(rows, labels, strict=True)]},
             "mark": {"type": "tick", "color": "#000", "thickness": 2, "size": 24},
             "encoding": {"y": y, "x": {"field": "base", "type": "quantitative"}}},
        ])
    table = Table("NPV of the side each input drives, with the input moved (all else as stated)",
                  ["input", "-20%", "-10%", "as stated", "+10%", "+20%"],
                  [[label, *(f.money(r[k]) for k in ("npv_minus_20", "npv_minus_10",
                                                     "npv_base", "npv_plus_10",
                                                     "npv_plus_20"))]
                   for r, label in zip(rows, labels, strict=True)])
    switching = [f"{_input_label(s)}: {f.pct(s['switching_value'])}"
                 for s in a["sensitivity"]["switching_values"] if s["switching_value"] is not None]
    caption = ("The longest bar is the input the case is most sensitive to; the black tick is "
               "the NPV as stated, the vertical line NPV zero. The change in each input that "
               "brings its NPV to zero (the switching value): " + "; ".join(switching) + "."
               if switching else "The longest bar is the input the case is most sensitive to.")
    return Figure("tornado", "Sensitivity: what moves each side's NPV", caption, [spec], [table])


def _stress(a: dict[str, Any], f: Format) -> Figure:
    sup = a["supplier"]
    cases = [{"case": "as priced", "overrun": 0.0, "npv": sup["npv"],
              "margin": sup["whole_life_margin"]}]
    cases += [{"case": f"+{s['cost_overrun']:.0%}", "overrun": s["cost_overrun"],
               "npv": s["npv"], "margin": s["whole_life_margin"]}
              for s in sup["cost_overrun_stress"]]
    drawn = [{"case": c["case"], "margin": c["margin"], "label": f.pct(c["margin"])}
             for c in cases if c["margin"] is not None]
    x = {"field": "case", "type": "nominal", "sort": [c["case"] for c in cases],
         "title": "the supplier's operating cost", "axis": {"labelAngle": 0}}
    # Room under the lowest bar and over the floor for their labels.
    margins = [d["margin"] for d in drawn]
    low, high = min([0.0, *margins]) - 0.06, max([_LOW_BALL, *margins]) + 0.04
    y = {"field": "margin", "type": "quantitative", "title": "whole-life margin",
         "axis": {"format": ".0%"}, "scale": {"domain": [low, high]}}
    spec = _spec(
        "The supplier's whole-life margin as priced and with its operating cost overrun",
        FULL, 140, [
            {"data": {"values": drawn}, "mark": {"type": "bar", "color": "#2f6eb5",
                                                 "stroke": "#08306b", "width": 60},
             "encoding": {"x": x, "y": y}},
            *({"data": {"values": [d for d in drawn if (d["margin"] < 0) == below]},
               "mark": {"type": "text", "dy": 12 if below else -7, "fontSize": 10},
               "encoding": {"x": x, "y": y, "text": {"field": "label"}}}
              for below in (False, True)),
            _rule("y", 0.0, "#000"),
            _rule("y", _LOW_BALL, "#b5540b", [4, 3]),
            {"data": {"values": [{"case": cases[-1]["case"], "margin": _LOW_BALL,
                                  "label": f"{_LOW_BALL:.0%} low-ball floor"}]},
             "mark": {"type": "text", "align": "right", "dx": 40, "dy": -6, "fontSize": 9,
                      "color": "#b5540b"},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        ])
    table = Table("The supplier's NPV at its cost of capital and whole-life margin",
                  ["operating cost", "NPV", "whole-life margin"],
                  [[c["case"], f.money(c["npv"]), f.pct(c["margin"])] for c in cases])
    caption = (f"The supplier breaks even at a {f.pct(sup['breakeven_cost_overrun'])} cost "
               f"overrun. A bid should absorb an ordinary +10%; below a {_LOW_BALL:.0%} margin "
               f"(dashed line) it cannot survive ordinary cost pressure. +41% is the extreme of "
               f"the outsourcing evidence.")
    return Figure("stress", "The supplier under cost overruns", caption, [spec], [table])


def _histogram_spec(side: str, dist: dict[str, Any], f: Format) -> dict[str, Any]:
    edges, counts = dist["histogram"]["edges"], dist["histogram"]["counts"]
    divisor, unit = _unit(edges, f)
    bins = [{"from": lo / divisor, "to": hi / divisor, "count": n,
             "sign": "NPV below zero" if hi <= 0 else "NPV zero or more"}
            for lo, hi, n in zip(edges, edges[1:], counts, strict=False)]
    marks = [{"value": dist[p] / divisor, "label": p.upper()} for p in ("p10", "p50", "p90")]
    x = {"field": "from", "type": "quantitative", "title": f"{side} NPV, {unit}",
         "scale": {"zero": False}}
    return _spec(f"Distribution of the {side} NPV over the simulated scenarios", HALF, 150, [
        {"data": {"values": bins}, "mark": {"type": "bar", "orient": "vertical",
                                            "stroke": "#08306b", "strokeWidth": 0.5},
         "encoding": {"x": x, "x2": {"field": "to"},
                      "y": {"field": "count", "type": "quantitative", "title": "scenarios"},
                      "color": {"field": "sign", "type": "nominal", "title": None,
                                "scale": {"domain": ["NPV below zero", "NPV zero or more"],
                                          "range": ["#b5540b", "#9ec3e6"]}}}},
        {"data": {"values": marks}, "mark": {"type": "rule", "strokeDash": [4, 3],
                                             "color": "#000"},
         "encoding": {"x": {"field": "value", "type": "quantitative"}}},
        {"data": {"values": marks}, "mark": {"type": "text", "y": -6, "fontSize": 9},
         "encoding": {"x": {"field": "value", "type": "quantitative"},
                      "text": {"field": "label"}}},
    ])


def _simulation(a: dict[str, Any], f: Format) -> Figure | None:
    sim = a["simulation"]
    if sim is None:
        return None
    sides = (("public", sim["public_npv"]), ("supplier", sim["supplier_npv"]))
    summary = Table(
        f"NPV percentiles over {sim['iterations']:,} scenarios (seed {sim['seed']})",
        ["side", "P10", "P50", "P90", "mean", "chance NPV < 0"],
        [[side, *(f.money(d[p]) for p in ("p10", "p50", "p90", "mean")),
          f.pct(d["probability_negative"])] for side, d in sides])
    (_, pub), (_, sup) = sides
    bands = zip(pub["histogram"]["edges"], pub["histogram"]["edges"][1:],
                pub["histogram"]["counts"], sup["histogram"]["edges"],
                sup["histogram"]["edges"][1:], sup["histogram"]["counts"], strict=False)
    bins = Table("Scenarios by NPV band",
                 ["band", "public from", "to", "scenarios", "supplier from", "to", "scenarios"],
                 [[str(i), f.money(lo), f.money(hi), f.count(n), f.money(slo), f.money(shi),
                   f.count(sn)] for i, (lo, hi, n, slo, shi, sn) in enumerate(bands, 1)])
    caption = (f"Both sides hold up (NPV zero or more) in "
               f"{f.pct(sim['probability_both_sustainable'])} of the scenarios; the dashed "
               f"lines are P10, P50 and P90, the darker bars NPVs below zero.")
    return Figure("simulation", "Monte Carlo: the range of each side's NPV", caption,
                  [_histogram_spec(side, d, f) for side, d in sides], [summary, bins])


def _channel_shift(a: dict[str, Any], f: Format) -> Figure | None:
    cs = a["channel_shift"]
    if cs is None:
        return None
    channels = [c for c in CHANNEL_COLOURS if any(c in y["shares"] for y in cs["years"])]
    data = [{"year": y["year"], "channel": c.replace("_", " "), "rank": i,
             "share": y["shares"].get(c, 0.0)}
            for y in cs["years"] for i, c in enumerate(channels)]
    names = [c.replace("_", " ") for c in channels]
    spec = _spec("Share of contacts by channel, by contract year", FULL, 160, [
        {"data": {"values": data},
         "mark": {"type": "bar", "stroke": "#333", "strokeWidth": 0.5},
         "encoding": {
             "x": {"field": "year", "type": "ordinal", "title": "contract year",
                   "axis": {"labelAngle": 0}},
             "y": {"field": "share", "type": "quantitative", "stack": "normalize",
                   "title": "share of contacts", "axis": {"format": ".0%"}},
             "color": {"field": "channel", "type": "nominal", "title": None,
                       "scale": {"domain": names,
                                 "range": [CHANNEL_COLOURS[c] for c in channels]}},
             "order": {"field": "rank", "sort": "ascending"}}},
    ])
    table = Table("Share of contacts by channel, contacts and contact cost by contract year",
                  ["year", *names, "contacts", "cost as usual", "cost shifted"],
                  [[str(y["year"]), *(f.pct(y["shares"].get(c, 0.0), 0) for c in channels),
                    f.count(y["contacts_shifted"]), f.money(y["cost_baseline"]),
                    f.money(y["cost_shifted"])] for y in cs["years"]])
    caption = (f"Digital share from {f.pct(cs['digital_share_now'], 0)} now to "
               f"{f.pct(cs['digital_share_target'], 0)} in year {cs['years_to_target']}, at up "
               f"to {cs['max_migration_pp_per_year']:.1f} percentage points a year; contact "
               f"cost saving {f.short(cs['saving_pv'])} in present value "
               f"({f.short(cs['saving_pv_risk_adjusted'])} risk-adjusted), borne by the "
               f"{cs['borne_by']}.")
    return Figure("channel_shift", "Channel shift: contacts by channel", caption, [spec],
                  [table])


def figures(a: dict[str, Any], f: Format) -> list[Figure]:
    """The report's figures for the appraisal body ``a``, in reading order: the Monte Carlo
    distribution only when the proposal asked for a simulation, channel migration only with a
    channel shift."""
    found = [_cumulative(a, f), _tornado(a, f), _stress(a, f), _simulation(a, f),
             _channel_shift(a, f)]
    return [fig for fig in found if fig is not None]


def svg(spec: dict[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, drawn by vl-convert (imported here, on first use)."""
    import vl_convert

    text: str = vl_convert.vegalite_to_svg(spec)
    return text
