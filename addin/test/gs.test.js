// node --test: the UNMODIFIED Apps Script file with a synchronous UrlFetchApp shim.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { loadAppsScript } = require("./harness");
const { PROPOSAL_RANGE, PUBLIC_NPV, FLOWS, FLOWS_NPV_5, npvAt } = require("./fixtures");

test("SVCALC_NPV / IRR / PAYBACK match hand figures", () => {
  const { fns, fetches } = loadAppsScript();
  assert.equal(fns.SVCALC_NPV(FLOWS, 0.05), Math.round(FLOWS_NPV_5 * 100) / 100);
  assert.ok(Math.abs(npvAt(fns.SVCALC_IRR(FLOWS))) < 1e-6);
  assert.ok(Math.abs(fns.SVCALC_PAYBACK(FLOWS) - 2.6) < 1e-12);
  assert.equal(fetches.length, 3);
  assert.equal(fetches[0].options.contentType, "text/plain");
});

test("SVCALC_APPRAISE and SVCALC_CASHFLOWS read a parameter range", () => {
  const { fns } = loadAppsScript();
  assert.ok(Math.abs(fns.SVCALC_APPRAISE(PROPOSAL_RANGE, "public.npv") - PUBLIC_NPV) < 0.006);
  const table = fns.SVCALC_CASHFLOWS(PROPOSAL_RANGE);
  assert.equal(table.length, 12);
  assert.equal(table[1][table[0].indexOf("public_net")], -1050000);
});

test("SVCALC_VERDICT, SVCALC_HEADLINE and SVCALC_FLAGS read the verdict and the flags", () => {
  const { fns } = loadAppsScript();
  assert.equal(fns.SVCALC_VERDICT(PROPOSAL_RANGE), "viable_with_cautions");
  assert.match(fns.SVCALC_HEADLINE(PROPOSAL_RANGE), /^Viable with cautions: .*supplier/);
  const flags = fns.SVCALC_FLAGS(PROPOSAL_RANGE);
  assert.deepEqual([...flags[0]], ["severity", "code", "field", "message"]);
  assert.ok(flags.length >= 2 && flags.slice(1).some((r) => r[1] === "SUPPLIER_CANNOT_ABSORB_OVERRUN"));
});

test("errors are thrown with the server's reason (#ERROR! in Sheets)", () => {
  const { fns } = loadAppsScript();
  assert.throws(() => fns.SVCALC_NPV([[1], ["x"]], 0.05), /values\/1/);
  assert.throws(() => fns.SVCALC_IRR([[100], [10]]), /#N\/A: .*sign/);
  assert.throws(() => fns.SVCALC_APPRAISE(PROPOSAL_RANGE, "public.nope"), /public has no 'nope'/);
});
