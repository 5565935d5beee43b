// node --test: the UNMODIFIED functions.js against a live svcalc (SVCALC_API_BASE).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { ROOT, WEB, API_BASE, loadExcelFunctions, getJson } = require("./harness");
const { PROPOSAL_RANGE, PUBLIC_NPV, FLOWS, FLOWS_NPV_5, npvAt } = require("./fixtures");

test("a live svcalc answers (npm test starts one unless SVCALC_API_BASE is set)", async () => {
  assert.ok(API_BASE, "run the tests with npm test, which starts svcalc");
  assert.equal((await getJson("/healthz")).body.status, "ok");
});

test("functions.json is what the JSDoc generates and names exactly the associated functions", () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "svcalc-cf-")), "functions.json");
  execFileSync(path.join(ROOT, "node_modules", ".bin", "custom-functions-metadata"),
               ["generate", path.join(WEB, "functions.js"), out], { stdio: "pipe" });
  const metadata = JSON.parse(fs.readFileSync(out, "utf8"));
  // The copy svcalc serves (svcalc/addin/web/functions.json) is the generated one: npm run build.
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(WEB, "functions.json"), "utf8")), metadata,
                   "svcalc/addin/web/functions.json is stale: run npm run build in addin/");
  const ids = metadata.functions.map((f) => f.id).sort();
  assert.deepEqual(ids, Object.keys(loadExcelFunctions().registry).sort());
  assert.deepEqual(ids, ["APPRAISE", "CASHFLOWS", "FLAGS", "HEADLINE", "IRR", "NPV", "PAYBACK",
                         "VERDICT"]);
  const npv = metadata.functions.find((f) => f.id === "NPV");
  assert.equal(npv.parameters[0].dimensionality, "matrix");
  assert.equal(npv.parameters[1].optional, true);
});

test("NPV, IRR and PAYBACK come from the server and match hand figures", async () => {
  const { registry } = loadExcelFunctions();
  const [npv, irr, payback] = await Promise.all([
    registry.NPV(FLOWS, 0.05), registry.IRR(FLOWS), registry.PAYBACK(FLOWS)]);
  assert.equal(npv, Math.round(FLOWS_NPV_5 * 100) / 100);
  assert.ok(Math.abs(npvAt(irr)) < 1e-6, `NPV at the IRR ${irr} is ${npvAt(irr)}`);
  assert.ok(Math.abs(payback - 2.6) < 1e-12); // cumulative -1000,-700,-300,+200: 2 + 300/500
});

test("NPV without a rate uses the Green Book schedule (DF_31 = 0.3459)", async () => {
  const { registry } = loadExcelFunctions();
  const values = Array.from({ length: 32 }, (_, t) => [t === 31 ? 1000 : 0]);
  const npv = await registry.NPV(values, null);
  assert.ok(Math.abs(npv - 1000 / 1.035 ** 30 / 1.03) < 0.006, String(npv));
});

test("cells that recalculate together are one text/plain POST", async () => {
  const { registry, requests } = loadExcelFunctions();
  const results = await Promise.all([
    registry.NPV(FLOWS, 0.05), registry.IRR(FLOWS), registry.PAYBACK(FLOWS),
    registry.APPRAISE(PROPOSAL_RANGE, "public.npv"),
    registry.APPRAISE(PROPOSAL_RANGE, "supplier.whole_life_margin")]);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].init.method, "POST");
  // Only Content-Type text/plain: a simple CORS request, no preflight.
  assert.deepEqual(Object.entries(requests[0].init.headers), [["Content-Type", "text/plain"]]);
  assert.equal(JSON.parse(requests[0].init.body).operations.length, 5);
  assert.ok(Math.abs(results[3] - PUBLIC_NPV) < 0.006);
  // Supplier: revenue 86m, operating cost 80m, investment 0.5m: (86 - 80 - 0.5) / 86.
  assert.ok(Math.abs(results[4] - 5.5 / 86) < 1e-12);
});

test("APPRAISE takes per-year values across the row", async () => {
  const { registry } = loadExcelFunctions();
  const range = [["term_years", 3, "", ""], ["public.baseline_annual_cost", 100, "", ""],
                 ["public.annual_payment", 100, 90, 80], ["supplier.annual_operating_cost", 70, "", ""]];
  const npv = await registry.APPRAISE(range, "public.npv");
  assert.ok(Math.abs(npv - (10 / 1.035 ** 2 + 20 / 1.035 ** 3)) < 0.006, String(npv));
  const table = await registry.CASHFLOWS(range);
  assert.equal(table[0][0], "year");
  assert.deepEqual(table.slice(1).map((row) => row[0]), [0, 1, 2, 3]);
});

test("a bad cell is #VALUE! naming it; the others in the batch still answer", async () => {
  const { registry, requests } = loadExcelFunctions();
  const [bad, good] = await Promise.allSettled([
    registry.NPV([[-1000], ["lots"], [400]], 0.05), registry.NPV(FLOWS, 0.05)]);
  assert.equal(requests.length, 1);
  assert.equal(bad.status, "rejected");
  assert.equal(bad.reason.code, "#VALUE!");
  assert.match(bad.reason.message, /values\/1/);
  assert.equal(good.value, Math.round(FLOWS_NPV_5 * 100) / 100);
});

test("a figure that does not exist is #N/A with the reason", async () => {
  const { registry } = loadExcelFunctions();
  await assert.rejects(registry.IRR([[100], [10]]), (err) => {
    assert.equal(err.code, "#N/A");
    assert.match(err.message, /sign/);
    return true;
  });
});

test("VERDICT, HEADLINE and FLAGS give the verdict, its headline and the flags", async () => {
  const { registry, requests } = loadExcelFunctions();
  const appraisal = (await getJson("/v1/sheets/appraisal?term_years=10"
    + "&public.baseline_annual_cost=10000000&public.annual_payment=8600000"
    + "&public.retained_costs=400000&public.upfront_costs.procurement=250000"
    + "&public.upfront_costs.transition=400000&public.upfront_costs.it=300000"
    + "&public.upfront_costs.legal=100000&supplier.upfront_investment=500000"
    + "&supplier.annual_operating_cost=8000000")).body.value;
  const [rating, headline, flags] = await Promise.all([
    registry.VERDICT(PROPOSAL_RANGE), registry.HEADLINE(PROPOSAL_RANGE),
    registry.FLAGS(PROPOSAL_RANGE)]);
  assert.equal(requests.length, 1); // one batch for the three cells
  assert.deepEqual(JSON.parse(requests[0].init.body).operations.map((o) => o.field),
                   ["verdict.rating", "verdict.headline", "flags"]);
  // The worked example (README): viable with cautions, led by the supplier's thin margin.
  assert.equal(rating, "viable_with_cautions");
  assert.equal(rating, appraisal.verdict.rating);
  assert.match(headline, /^Viable with cautions: /);
  assert.equal(headline, appraisal.verdict.headline);
  assert.deepEqual([...flags[0]], ["severity", "code", "field", "message"]);
  assert.deepEqual([...flags.slice(1).map((row) => row[1])], appraisal.flags.map((f) => f.code));
  assert.ok(flags.slice(1).some((row) => row[1] === "SUPPLIER_CANNOT_ABSORB_OVERRUN"));
  assert.ok(flags.slice(1).every((row) => row.length === 4 && row[3].length > 20));
});

test("an unreachable API is #N/A for every waiting cell", async () => {
  // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
  const { registry, requests } = loadExcelFunctions("http://127.0.0.1:9");
  const settled = await Promise.allSettled([registry.NPV(FLOWS, 0.05), registry.IRR(FLOWS)]);
  assert.equal(requests.length, 1);
  assert.deepEqual(settled.map((s) => s.reason && s.reason.code), ["#N/A", "#N/A"]);
});
