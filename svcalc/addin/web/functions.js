/*
 * svcalc custom functions for Excel (Office.js, namespace SVCALC).
 *
 * Thin by design: no finance logic here. Every figure comes from the svcalc API. Cells that
 * recalculate together are sent as ONE request, POST /v1/sheets/batch with Content-Type
 * text/plain carrying JSON: a "simple" CORS request, which is all the JavaScript-only custom
 * functions runtime may send (no preflight, no custom headers, no cookies).
 *
 * Where the API is: the svcalc server that served this file. svcalc serves it at
 * /addin/functions.js with one line put in front, `globalThis.SVCALC_SERVED_FROM = "<its public
 * base URL>";`, so the same file works in Excel's JavaScript-only runtime (which loads the script
 * alone, with no page around it) and in a browser. A host page may set globalThis.SVCALC_API_BASE
 * first to point it elsewhere (the tests do). Nothing here is edited by hand.
 * functions.json is generated from the JSDoc below: npm run build (in addin/).
 */
/* global CustomFunctions */

/** Cells that ask within this many milliseconds share one request. */
const BATCH_DELAY_MS = 25;
/** The API answers at most this many operations per batch. */
const MAX_OPERATIONS = 1000;

function apiBase() {
  const base = globalThis.SVCALC_API_BASE || globalThis.SVCALC_SERVED_FROM;
  if (!base) {
    throw new Error("no svcalc server: load functions.js from svcalc (/addin/functions.js)");
  }
  return String(base).replace(/\/+$/, "");
}

let queue = [];
let timer = null;

/** Queue one operation; the Promise settles when its batch comes back. */
function enqueue(operation) {
  return new Promise((resolve, reject) => {
    queue.push({ operation, resolve, reject });
    if (timer === null) {
      timer = setTimeout(flush, BATCH_DELAY_MS);
    }
  });
}

function flush() {
  timer = null;
  const pending = queue;
  queue = [];
  for (let start = 0; start < pending.length; start += MAX_OPERATIONS) {
    send(pending.slice(start, start + MAX_OPERATIONS));
  }
}

function cellError(code, message) {
  return new CustomFunctions.Error(CustomFunctions.ErrorCode[code], String(message).slice(0, 250));
}

function problemText(problem) {
  if (!problem || typeof problem !== "object") {
    return "";
  }
  const fields = (problem.errors || []).map((e) => `${e.pointer}: ${e.detail}`).join("; ");
  return [problem.detail, fields].filter(Boolean).join(" ");
}

async function send(items) {
  let body = null;
  try {
    const response = await fetch(`${apiBase()}/v1/sheets/batch`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ operations: items.map((item) => item.operation) }),
    });
    body = await response.json().catch(() => null);
    if (!response.ok || !body || !Array.isArray(body.results)) {
      throw new Error(problemText(body) || `svcalc answered HTTP ${response.status}`);
    }
  } catch (err) {
    const error = cellError("notAvailable", `svcalc: ${err && err.message ? err.message : err}`);
    items.forEach((item) => item.reject(error));
    return;
  }
  items.forEach((item, i) => settle(item, body.results[i]));
}

function settle(item, result) {
  if (!result || typeof result !== "object") {
    item.reject(cellError("notAvailable", "svcalc returned no result for this cell"));
  } else if ("status" in result && "index" in result) {
    item.reject(cellError("invalidValue", problemText(result)));
  } else if (result.value === null || result.value === undefined) {
    item.reject(cellError("notAvailable", result.reason || "no such figure for this proposal"));
  } else {
    item.resolve(result.value);
  }
}

/** The non-empty cells of a range, row by row (a single value counts as a one-cell range). */
function cells(range) {
  const rows = Array.isArray(range) ? range : [[range]];
  return rows.flat().filter((v) => v !== "" && v !== null && v !== undefined);
}

/**
 * A two-column (or wider) range of parameters: the name in the first column (dotted, as in the
 * API: public.annual_payment), then one value (every year) or one value per contract year.
 */
function params(range) {
  const out = {};
  const rows = Array.isArray(range) ? range : [[range]];
  for (const row of rows) {
    const name = row[0];
    const values = row.slice(1).filter((v) => v !== "" && v !== null && v !== undefined);
    if (name === "" || name === null || name === undefined || values.length === 0) {
      continue;
    }
    out[String(name).trim()] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function series(values, rate, field) {
  const operation = { operation: "series", values: cells(values), field };
  if (rate !== null && rate !== undefined && rate !== "") {
    operation.rate = rate;
  }
  return enqueue(operation);
}

/**
 * Net present value of cash flows, year 0 first and NOT discounted (Excel's own NPV discounts
 * its first value: =B1+NPV(r,B2:B11) is the same figure). Computed by svcalc.
 * @customfunction NPV
 * @param {any[][]} values Cash flows, year 0 first (a row or a column).
 * @param {number} [rate] Flat discount rate, e.g. 0.05. Leave out for the HM Treasury Green Book schedule (3.5% to year 30, then declining).
 * @returns {Promise<number>} The NPV, rounded to 2 decimals.
 */
function npv(values, rate) {
  return series(values, rate, "npv");
}

/**
 * Internal rate of return of cash flows (year 0 first). #N/A when none or several exist.
 * @customfunction IRR
 * @param {any[][]} values Cash flows, year 0 first.
 * @returns {Promise<number>} The IRR as a decimal fraction (0.08 = 8%).
 */
function irr(values) {
  return series(values, null, "irr");
}

/**
 * Years until the cumulative cash flow is back to zero, interpolated within the year. #N/A if never.
 * @customfunction PAYBACK
 * @param {any[][]} values Cash flows, year 0 first.
 * @returns {Promise<number>} Payback in years.
 */
function payback(values) {
  return series(values, null, "payback_years");
}

/**
 * Any figure of the svcalc appraisal of a proposal, e.g. public.npv, supplier.whole_life_margin, partnership.support_ratio, cash_flows.3.public_net.
 * @customfunction APPRAISE
 * @param {any[][]} proposal Parameters: names in the first column (term_years, public.baseline_annual_cost, public.annual_payment, supplier.annual_operating_cost, ...), then one value or one value per contract year.
 * @param {string} field Dotted name of the figure, e.g. public.npv.
 * @returns {Promise<any>} The figure.
 */
function appraise(proposal, field) {
  return enqueue({ operation: "appraisal", params: params(proposal), field: String(field || "") });
}

/**
 * The svcalc verdict on a proposal: not_viable, over_bullish, viable_with_cautions or robust.
 * @customfunction VERDICT
 * @param {any[][]} proposal Parameters, as for APPRAISE.
 * @returns {Promise<string>} The rating.
 */
function verdict(proposal) {
  return enqueue({ operation: "appraisal", params: params(proposal), field: "verdict.rating" });
}

/**
 * The headline of the svcalc verdict: the decisive finding, in one sentence.
 * @customfunction HEADLINE
 * @param {any[][]} proposal Parameters, as for APPRAISE.
 * @returns {Promise<string>} The headline.
 */
function headline(proposal) {
  return enqueue({ operation: "appraisal", params: params(proposal), field: "verdict.headline" });
}

/** The flags of an appraisal as rows for a sheet: a header row, then one row per flag. */
const FLAG_COLUMNS = ["severity", "code", "field", "message"];

/**
 * The flags svcalc raised on a proposal (spills: header row, then one row per flag with its
 * severity, code, the field it is about and the message with its benchmark and evidence).
 * @customfunction FLAGS
 * @param {any[][]} proposal Parameters, as for APPRAISE.
 * @returns {Promise<any[][]>} The flags.
 */
function flags(proposal) {
  return enqueue({ operation: "appraisal", params: params(proposal), field: "flags" })
    .then((list) => [FLAG_COLUMNS, ...list.map((flag) => FLAG_COLUMNS.map((c) => flag[c]))]);
}

/**
 * The year-by-year cash-flow table of a proposal (spills: header row, then years 0..term).
 * @customfunction CASHFLOWS
 * @param {any[][]} proposal Parameters, as for APPRAISE.
 * @returns {Promise<any[][]>} The table.
 */
function cashflows(proposal) {
  return enqueue({ operation: "cash_flows", params: params(proposal) });
}

CustomFunctions.associate("NPV", npv);
CustomFunctions.associate("IRR", irr);
CustomFunctions.associate("PAYBACK", payback);
CustomFunctions.associate("APPRAISE", appraise);
CustomFunctions.associate("VERDICT", verdict);
CustomFunctions.associate("HEADLINE", headline);
CustomFunctions.associate("FLAGS", flags);
CustomFunctions.associate("CASHFLOWS", cashflows);
