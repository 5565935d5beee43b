/*
 * svcalc custom functions for Google Sheets (Apps Script). The same functions as the Excel
 * add-in (svcalc/addin/web/functions.js), named SVCALC_NPV etc. because a Sheets custom function
 * may not share a built-in's name. Thin: no finance logic, every figure comes from the svcalc API.
 *
 * Google runs UrlFetchApp on its own servers, so the API must be reachable from the internet.
 * The base URL is the script property SVCALC_API_BASE (Project Settings > Script properties),
 * else DEFAULT_API_BASE. Each cell is one POST /v1/sheets/batch with one operation (Sheets runs
 * custom functions cell by cell; a 2 KB URL limit makes POST the safer transport).
 */

var DEFAULT_API_BASE = "https://api.svcalc.example";

function svcalcApiBase_() {
  var base = null;
  try {
    base = PropertiesService.getScriptProperties().getProperty("SVCALC_API_BASE");
  } catch (e) {
    base = null;
  }
  return String(base || DEFAULT_API_BASE).replace(/\/+$/, "");
}

function svcalcCells_(range) {
  var rows = Array.isArray(range) ? range : [[range]];
  var out = [];
  rows.forEach(function (row) {
    (Array.isArray(row) ? row : [row]).forEach(function (v) {
      if (v !== "" && v !== null && v !== undefined) out.push(v);
    });
  });
  return out;
}

function svcalcParams_(range) {
  var rows = Array.isArray(range) ? range : [[range]];
  var out = {};
  rows.forEach(function (row) {
    var name = row[0];
    var values = row.slice(1).filter(function (v) { return v !== "" && v !== null && v !== undefined; });
    if (name === "" || name === null || name === undefined || values.length === 0) return;
    out[String(name).trim()] = values.length === 1 ? values[0] : values;
  });
  return out;
}

function svcalcProblem_(problem) {
  if (!problem || typeof problem !== "object") return "";
  var fields = (problem.errors || []).map(function (e) { return e.pointer + ": " + e.detail; });
  return [problem.detail].concat(fields).filter(function (s) { return s; }).join(" ");
}

function svcalcAsk_(operation) {
  var response = UrlFetchApp.fetch(svcalcApiBase_() + "/v1/sheets/batch", {
    method: "post",
    contentType: "text/plain",
    payload: JSON.stringify({ operations: [operation] }),
    muteHttpExceptions: true,
  });
  var body = null;
  try {
    body = JSON.parse(response.getContentText());
  } catch (e) {
    body = null;
  }
  if (response.getResponseCode() !== 200 || !body || !body.results) {
    throw new Error("svcalc: " + (svcalcProblem_(body) || "HTTP " + response.getResponseCode()));
  }
  var result = body.results[0];
  if ("status" in result && "index" in result) throw new Error("svcalc: " + svcalcProblem_(result));
  if (result.value === null || result.value === undefined) {
    throw new Error("#N/A: " + (result.reason || "no such figure for this proposal"));
  }
  return result.value;
}

function svcalcSeries_(values, rate, field) {
  var operation = { operation: "series", values: svcalcCells_(values), field: field };
  if (rate !== null && rate !== undefined && rate !== "") operation.rate = rate;
  return svcalcAsk_(operation);
}

/**
 * Net present value of cash flows, year 0 first and not discounted (=B1+NPV(r,B2:B11) in Sheets).
 * @param {number[][]} values Cash flows, year 0 first.
 * @param {number} rate Optional flat rate; leave out for the Green Book STPR schedule.
 * @return The NPV.
 * @customfunction
 */
function SVCALC_NPV(values, rate) {
  return svcalcSeries_(values, rate, "npv");
}

/**
 * Internal rate of return of cash flows (year 0 first).
 * @param {number[][]} values Cash flows, year 0 first.
 * @return The IRR as a decimal fraction.
 * @customfunction
 */
function SVCALC_IRR(values) {
  return svcalcSeries_(values, null, "irr");
}

/**
 * Years until the cumulative cash flow is back to zero.
 * @param {number[][]} values Cash flows, year 0 first.
 * @return Payback in years.
 * @customfunction
 */
function SVCALC_PAYBACK(values) {
  return svcalcSeries_(values, null, "payback_years");
}

/**
 * Any figure of the svcalc appraisal, e.g. public.npv.
 * @param {Array<Array<string|number>>} proposal Names in the first column, then values.
 * @param {string} field Dotted name of the figure.
 * @return The figure.
 * @customfunction
 */
function SVCALC_APPRAISE(proposal, field) {
  return svcalcAsk_({ operation: "appraisal", params: svcalcParams_(proposal), field: String(field || "") });
}

/**
 * The svcalc verdict: not_viable, over_bullish, viable_with_cautions or robust.
 * @param {Array<Array<string|number>>} proposal Names in the first column, then values.
 * @return The rating.
 * @customfunction
 */
function SVCALC_VERDICT(proposal) {
  return svcalcAsk_({ operation: "appraisal", params: svcalcParams_(proposal), field: "verdict.rating" });
}

/**
 * The headline of the svcalc verdict: the decisive finding, in one sentence.
 * @param {Array<Array<string|number>>} proposal Names in the first column, then values.
 * @return The headline.
 * @customfunction
 */
function SVCALC_HEADLINE(proposal) {
  return svcalcAsk_({ operation: "appraisal", params: svcalcParams_(proposal), field: "verdict.headline" });
}

/**
 * The flags svcalc raised (spills): a header row, then severity, code, field and message of each.
 * @param {Array<Array<string|number>>} proposal Names in the first column, then values.
 * @return The flags, header row first.
 * @customfunction
 */
function SVCALC_FLAGS(proposal) {
  var columns = ["severity", "code", "field", "message"];
  var flags = svcalcAsk_({ operation: "appraisal", params: svcalcParams_(proposal), field: "flags" });
  return [columns].concat(flags.map(function (flag) {
    return columns.map(function (c) { return flag[c]; });
  }));
}

/**
 * The year-by-year cash-flow table (spills).
 * @param {Array<Array<string|number>>} proposal Names in the first column, then values.
 * @return The table, header row first.
 * @customfunction
 */
function SVCALC_CASHFLOWS(proposal) {
  return svcalcAsk_({ operation: "cash_flows", params: svcalcParams_(proposal) });
}
