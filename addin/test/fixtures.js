"use strict";
// The worked example of svcalc/api/examples.py as an APPRAISE range: name, then value(s).
const PROPOSAL_RANGE = [
  ["term_years", 10, ""],
  ["public.baseline_annual_cost", 10000000, ""],
  ["public.annual_payment", 8600000, ""],
  ["public.retained_costs", 400000, ""],
  ["public.upfront_costs.procurement", 250000, ""],
  ["public.upfront_costs.transition", 400000, ""],
  ["public.upfront_costs.it", 300000, ""],
  ["public.upfront_costs.legal", 100000, ""],
  ["supplier.upfront_investment", 500000, ""],
  ["supplier.annual_operating_cost", 8000000, ""],
  ["", "", ""],
];
// By hand: 1m a year saved for 10 years after 1.05m upfront, at 3.5% (Green Book, years 0-30):
// -1,050,000 + 1,000,000 * (1 - 1.035^-10) / 0.035 = 7,266,605.32.
const PUBLIC_NPV = -1050000 + 1000000 * (1 - Math.pow(1.035, -10)) / 0.035;
const FLOWS = [[-1000], [300], [400], [500]];
// By hand at 5%: -1000 + 300/1.05 + 400/1.05^2 + 500/1.05^3 = 80.44.
const FLOWS_NPV_5 = -1000 + 300 / 1.05 + 400 / 1.05 ** 2 + 500 / 1.05 ** 3;
/** NPV of FLOWS at rate r, to check an IRR independently: it must be ~0 at the IRR. */
const npvAt = (r) => FLOWS.flat().reduce((s, v, t) => s + v / (1 + r) ** t, 0);
module.exports = { PROPOSAL_RANGE, PUBLIC_NPV, FLOWS, FLOWS_NPV_5, npvAt };
