"""bench/ and the soak test run here in short mode so they cannot rot: correctness only.

Ratios are printed, never asserted: a unit test must not fail because the machine is busy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import numpy_financial as npf

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import kernels, report, service, soak, store  # noqa: E402


def test_http_bench_short_mode_runs_and_answers_right(capsys):
    # Both trees are served and answer with a verdict, wrk sees no error and no non-2xx; the
    # baseline worktree is skipped (and said so) only without git or the baseline commit.
    result = service.main(["--short"])
    out = capsys.readouterr().out
    assert result["summary"]["new"]["requests"] > 0
    if result["baseline"]:
        assert result["summary"]["old"]["requests"] > 0
        assert set(result["ratios"]) >= {"cpu_new_over_old", "p99_new_over_old"}
        assert "floor <= 1.5" in out
    else:
        assert "baseline skipped" in out


def test_store_bench_short_mode_runs_and_answers_right(capsys):
    # On SQLite (PostgreSQL's turn is the same code against another URL; make bench runs both):
    # a save answers the stateless appraisal, each list's first page has 20 items, wrk sees no
    # error, and every floor is printed with its verdict.
    result = store.main(["--short", "--backends", "sqlite"])
    out = capsys.readouterr().out
    assert set(result["sqlite"]) >= {"cpu_save_over_stateless", "first page: mean large/small"}
    assert "floor <= 1.5" in out and "floor <= 2.0" in out


def test_kernel_bench_short_mode_checks_agreement():
    ratios = kernels.main(["--short"])
    assert set(ratios) == {"irr", "npv", "npv_with_factors", "appraisal"}
    assert all(value > 0 for value in ratios.values())


def test_bisection_reference_is_itself_right():
    # -100 then 110 a year later: IRR exactly 10% (by hand); and npf agrees on a longer series.
    assert abs(kernels.bisection_irr(np.array([-100.0, 110.0])) - 0.1) < 1e-12
    flows = kernels.series(1)[0]
    assert abs(kernels.bisection_irr(flows) - npf.irr(flows)) < 1e-9


def test_plain_appraisal_matches_a_hand_example():
    # 2 years: BAU 100, payment 80, upfront 30 -> public flows -30, 20, 20 at 3.5%:
    # NPV = -30 + 20/1.035 + 20/1.035^2 = 7.9955 (by hand); payback 1.5 years.
    body = {"term_years": 2,
            "public": {"baseline_annual_cost": 100.0, "annual_payment": 80.0,
                       "upfront_costs": {"it": 30.0}},
            "supplier": {"annual_operating_cost": 70.0, "upfront_investment": 10.0}}
    plain = kernels.plain_appraisal(body)
    assert abs(plain["public_npv"] - (-30 + 20 / 1.035 + 20 / 1.035**2)) < 1e-9
    assert plain["public_payback"] == 1.5


def test_soak_short_mode_survives_a_killed_worker(capsys):
    result = soak.main(["--short", "--concurrency", "8"])
    assert result["server_errors"] == 0 and result["wrong"] == 0 and result["recovered"]
    assert result["other_drops"] == 0 and result["lost_to_kill"] <= 1
    assert "SOAK PASSED" in capsys.readouterr().out


def test_report_bench_short_mode_answers_right(capsys):
    # gunicorn answers all three kinds with a 200 of the right media type (the script exits
    # otherwise), and the largest valid report renders; the ratios are printed.
    result = report.main(["--short"])
    assert set(result["ratios"]) >= {"html", "pdf"}
    assert result["heavy_pdf"] > 0
    assert "report / JSON appraisal" in capsys.readouterr().out
