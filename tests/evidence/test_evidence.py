"""`icp validate` against independent implementations on seeded synthetic
data: AUC against scikit-learn's roc_auc_score, Brier against
brier_score_loss, Wilson intervals, WoE and IV against a few lines of
numpy; and a data set with known true effects, where validate must flag
exactly the signal with the wrong sign, the irrelevant one and the leaking
one (docs/evidence.md)."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

ICP = os.environ.get("ICP", "icp")
Z = 1.959963984540054

ICP_TEXT = """
schema Account {
  id: text key from "Id"
  employees: int from "Employees"
  visits: int? from "Visits"
  hiring: bool from "Hiring"
  partner: bool from "Partner"
  churned: bool from "Churned"
  noise: bool from "Noise"
  insider: bool from "Insider"
}

icp synthetic for Account {
  owner "revops@example.com"
  reviewed 2026-10-01 every 90d

  filter sized: employees >= 10
  signal engaged: visits >= 5 weight 25
  signal hiring: hiring weight 20
  signal partner: partner weight 15
  signal churned: churned weight 10
  signal noise: noise weight 5
  signal insider: insider weight 30

  tier A: score >= 60
  tier B: score >= 30
  tier C: otherwise
}
"""

WEIGHTS = {"engaged": 25, "hiring": 20, "partner": 15, "churned": 10, "noise": 5, "insider": 30}


def generate(seed, n, leak=True):
    """Accounts whose log odds of winning rise with engaged, hiring and
    partner, fall with churned (weighted +10: the wrong sign), ignore noise;
    insider copies the outcome 97% of the time (a leak)."""
    rng = np.random.default_rng(seed)
    employees = rng.integers(1, 2000, n)
    visits = rng.integers(0, 12, n).astype(float)
    visits[rng.random(n) < 0.1] = np.nan  # unknown
    hiring = rng.random(n) < 0.4
    partner = rng.random(n) < 0.3
    churned = rng.random(n) < 0.3
    noise = rng.random(n) < 0.5
    engaged = np.nan_to_num(visits, nan=-1) >= 5
    logit = -1.0 + 1.2 * engaged + 0.9 * hiring + 0.6 * partner - 1.0 * churned
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    closed = rng.random(n) < 0.8
    insider = np.where(rng.random(n) < 0.97, won, ~won) if leak else rng.random(n) < 0.4
    return dict(employees=employees, visits=visits, hiring=hiring, partner=partner,
                churned=churned, noise=noise, insider=insider, won=won, closed=closed,
                engaged=engaged)


def write(tmp, d):
    (tmp / "icp.toml").write_text('[project]\nas_of = "2026-11-01"\n\n[outcomes]\n'
                                  'column = "Stage"\nwon = ["Closed Won"]\nlost = ["Closed Lost"]\n'
                                  'open = ["Open"]\n')
    (tmp / "synthetic.icp").write_text(ICP_TEXT)
    b = lambda x: "true" if x else "false"
    lines = ["Id,Employees,Visits,Hiring,Partner,Churned,Noise,Insider,Stage"]
    for i in range(len(d["won"])):
        v = "" if np.isnan(d["visits"][i]) else str(int(d["visits"][i]))
        stage = "Open" if not d["closed"][i] else ("Closed Won" if d["won"][i] else "Closed Lost")
        lines.append(",".join([f"a{i}", str(d["employees"][i]), v, b(d["hiring"][i]), b(d["partner"][i]),
                               b(d["churned"][i]), b(d["noise"][i]), b(d["insider"][i]), stage]))
    (tmp / "accounts.csv").write_text("\n".join(lines) + "\n")


def validate(tmp):
    out = subprocess.run([ICP, "validate", "synthetic.icp", "accounts.csv", "--format", "json"],
                         cwd=tmp, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def wilson(k, n):
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def woe_iv(bins):
    """bins: (won, lost) per bin; 0.5 added to every cell (docs/evidence.md)."""
    w = np.array([b[0] for b in bins], float) + 0.5
    l = np.array([b[1] for b in bins], float) + 0.5
    g, b = w / w.sum(), l / l.sum()
    woe = np.log(g / b)
    return woe, float(((g - b) * woe).sum())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_numbers_match_independent_implementations(tmp_path, seed):
    d = generate(seed, 3000)
    write(tmp_path, d)
    v = validate(tmp_path)
    kept = d["employees"] >= 10
    fired = {"engaged": d["engaged"], "hiring": d["hiring"], "partner": d["partner"],
             "churned": d["churned"], "noise": d["noise"], "insider": d["insider"]}
    score = sum(WEIGHTS[k] * fired[k] for k in WEIGHTS)
    closed = kept & d["closed"]
    y = d["won"][closed]
    assert v["auc"] == pytest.approx(roc_auc_score(y, score[closed]), abs=1e-6)
    tier = np.where(score >= 60, 0, np.where(score >= 30, 1, 2))
    assert v["auc_tiers"] == pytest.approx(roc_auc_score(y, -tier[closed]), abs=1e-6)
    rates = [d["won"][closed & (tier == t)].mean() for t in range(3)]
    assert v["brier"] == pytest.approx(
        brier_score_loss(y, np.array(rates)[tier[closed]]), abs=1e-6)
    everyone = d["closed"]
    assert v["base_rate"] == pytest.approx(d["won"][everyone].mean(), abs=1e-6)
    for t, row in enumerate(v["tiers"]):
        sel = closed & (tier == t)
        k, n = int(d["won"][sel].sum()), int(sel.sum())
        lo, hi = wilson(k, n)
        assert (row["won"], row["lost"]) == (k, n - k)
        assert row["win_rate_low"] == pytest.approx(lo, abs=1e-6)
        assert row["win_rate_high"] == pytest.approx(hi, abs=1e-6)
        assert row["lift"] == pytest.approx((k / n) / d["won"][everyone].mean(), abs=1e-6)
    for row in v["signals"]:
        f = fired[row["name"]]
        unknown = np.isnan(d["visits"]) if row["name"] == "engaged" else np.zeros_like(f)
        bins = []
        for sel in (f & ~unknown, ~f & ~unknown, unknown):
            sel = sel & closed
            if sel.sum() or len(bins) < 2:
                bins.append((int(d["won"][sel].sum()), int((~d["won"][sel]).sum())))
        # The unknown bin counts when any retained account is unknown.
        if not (unknown & kept).any():
            bins = bins[:2]
        woe, iv = woe_iv(bins)
        assert row["woe"] == pytest.approx(woe[0], abs=1e-6), row["name"]
        assert row["iv"] == pytest.approx(iv, abs=1e-6), row["name"]
        assert row["fired"] == int((f & ~unknown & kept).sum())


def test_known_effects_are_flagged_exactly(tmp_path):
    d = generate(42, 20000)
    write(tmp_path, d)
    v = validate(tmp_path)
    signal_codes = {"V0102", "V0103", "V0104", "V0105", "V0107"}
    flagged = sorted((w["code"], w["message"].split("`")[1])
                     for w in v["warnings"] if w["code"] in signal_codes)
    assert flagged == [("V0102", "churned"), ("V0103", "noise"), ("V0107", "insider")], v["warnings"]
