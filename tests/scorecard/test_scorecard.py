"""`icp calibrate` and `icp discover` against independent implementations
on seeded synthetic data (docs/evidence.md, "Calibrate"):

- the coefficients against scikit-learn's LogisticRegression with the same
  L2 penalty. stats.rs maximises log L - lambda/2 |b|^2 with the intercept
  unpenalised; scikit-learn's lbfgs solver minimises
  1/2 |w|^2 + C * sum(log loss), its intercept unpenalised too, so
  C = 1 / lambda;
- the standard errors against the inverse of the penalised Hessian
  X'WX + lambda * diag(0, 1, ..., 1), computed here with numpy;
- the holdout AUCs against roc_auc_score on scores computed here;
- a data set with known true effects: calibrate recovers their order and
  discover finds the predictive fields and not the irrelevant one;
- seeded random inputs: discover never crashes and what it writes checks.
"""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).parent))
import synthetic  # noqa: E402

ICP = os.environ.get("ICP", "icp")
HOLDOUT_AFTER = "2026-08-01"
SIGNALS = ["high_intent", "runs_sap", "rival", "region_eu"]


def icp(folder, *args, check=True):
    p = subprocess.run([ICP, *args], cwd=folder, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"icp {' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


def states(row):
    """Each signal of synthetic.ICP as the language evaluates it: 1 fired,
    0 not fired, None unknown (a missing cell; an empty set is missing)."""
    visits = row["Site Visits"]
    tech = [t for t in row["Tech"].split(";") if t]
    return {
        "high_intent": None if visits == "" else int(int(visits) >= 5),
        "runs_sap": None if not tech else int("SAP" in tech),
        "rival": int(row["Rival"] == "in_cycle"),
        "region_eu": int(row["Region"] == "EU"),
    }


def closed(rows):
    """Rows that pass the filter and are won or lost: (states, won, date)."""
    out = []
    for r in rows:
        if r["Industry"] == "education" or r["Stage"] == "Open":
            continue
        out.append((states(r), r["Stage"] == "Closed Won", r["Close Date"]))
    return out


def design(data):
    """Fired columns, then unknown columns for signals that are ever
    unknown, as calibrate builds them (signal order, fired before unknown)."""
    cols = []
    for s in SIGNALS:
        cols.append((s, "fired"))
        if any(st[s] is None for st, _, _ in data):
            cols.append((s, "unknown"))
    X = np.array(
        [[(st[s] == 1) if kind == "fired" else (st[s] is None) for s, kind in cols] for st, _, _ in data],
        dtype=float,
    )
    y = np.array([w for _, w, _ in data], dtype=float)
    return cols, X, y


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    rows = synthetic.project(folder, n=4000, seed=7)
    return folder, rows


@pytest.mark.parametrize("lam", [0.1, 1.0, 10.0])
def test_coefficients_and_errors_match_scikit_learn_and_numpy(project, lam):
    folder, rows = project
    out = icp(
        folder, "calibrate", "icp.icp", "accounts.csv", "--format", "json",
        "--lambda", str(lam), "--outcome-date", "Close Date", "--holdout-after", HOLDOUT_AFTER,
    ).stdout
    got = json.loads(out)
    fit = [c for c in closed(rows) if c[2] <= HOLDOUT_AFTER]
    cols, X, y = design(fit)
    assert got["fitted"]["accounts"] == len(fit)
    model = LogisticRegression(C=1 / lam, penalty="l2", solver="lbfgs", tol=1e-12, max_iter=10_000)
    model.fit(X, y)
    coef = dict(zip(cols, model.coef_[0]))
    by_name = {s["name"]: s for s in got["signals"]}
    for (s, kind), b in coef.items():
        key = "coefficient" if kind == "fired" else "unknown_coefficient"
        assert by_name[s][key] == pytest.approx(b, abs=1e-5), (s, kind)
    assert got["intercept"] == pytest.approx(model.intercept_[0], abs=1e-5)
    # Standard errors: the inverse penalised Hessian at the optimum.
    Xi = np.hstack([np.ones((len(X), 1)), X])
    beta = np.concatenate([model.intercept_, model.coef_[0]])
    mu = 1 / (1 + np.exp(-Xi @ beta))
    H = Xi.T @ (Xi * (mu * (1 - mu))[:, None]) + lam * np.diag([0] + [1] * X.shape[1])
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    for j, (s, kind) in enumerate(cols, start=1):
        key = "std_error" if kind == "fired" else "unknown_std_error"
        assert by_name[s][key] == pytest.approx(se[j], rel=1e-4), (s, kind)
    assert got["intercept_std_error"] == pytest.approx(se[0], rel=1e-4)
    # Points to double the odds: 20 / ln 2 points per unit of log odds.
    for s in SIGNALS:
        assert by_name[s]["suggested"] == round(by_name[s]["coefficient"] * 20 / np.log(2))


def test_holdout_aucs_match_roc_auc_score(project):
    folder, rows = project
    got = json.loads(icp(
        folder, "calibrate", "icp.icp", "accounts.csv", "--format", "json",
        "--outcome-date", "Close Date", "--holdout-after", HOLDOUT_AFTER,
    ).stdout)
    held = [c for c in closed(rows) if c[2] > HOLDOUT_AFTER]
    assert got["holdout"]["accounts"] == len(held)
    suggested = {s["name"]: s["suggested"] for s in got["signals"]}
    y = [w for _, w, _ in held]
    current = [sum(10 for s in SIGNALS if st[s] == 1) for st, _, _ in held]
    new = [sum(suggested[s] for s in SIGNALS if st[s] == 1) for st, _, _ in held]
    assert got["auc_current"] == pytest.approx(roc_auc_score(y, current), abs=1e-12)
    assert got["auc_suggested"] == pytest.approx(roc_auc_score(y, new), abs=1e-12)


def test_calibrate_recovers_the_order_of_the_true_effects(project):
    folder, _ = project
    got = json.loads(icp(folder, "calibrate", "icp.icp", "accounts.csv", "--format", "json").stdout)
    coef = {s["name"]: s["coefficient"] for s in got["signals"]}
    by_fit = sorted(coef, key=coef.get, reverse=True)
    by_truth = sorted(synthetic.TRUE, key=synthetic.TRUE.get, reverse=True)
    assert by_fit == by_truth
    # The irrelevant signal is within two standard errors of nothing.
    eu = next(s for s in got["signals"] if s["name"] == "region_eu")
    assert abs(eu["coefficient"]) < 2 * eu["std_error"]
    # And the suggested weights rank the random holdout better than all-10s.
    assert got["auc_suggested"] > got["auc_current"]


def test_write_applies_the_suggestions_and_keeps_comments(project, tmp_path):
    folder, _ = project
    for f in ["accounts.csv", "accounts.icp", "icp.icp", "icp.toml"]:
        (tmp_path / f).write_bytes((folder / f).read_bytes())
    got = json.loads(icp(tmp_path, "calibrate", "icp.icp", "accounts.csv", "--format", "json").stdout)
    icp(tmp_path, "calibrate", "icp.icp", "accounts.csv", "--write")
    text = (tmp_path / "icp.icp").read_text()
    for s in got["signals"]:
        assert f"{s['name']}: " in text and f"weight {int(s['suggested'])}" in text
    assert "// the ERP we connect to" in text
    icp(tmp_path, "check", "--deny", "warnings", "icp.icp")


def test_discover_finds_the_predictive_fields(project, tmp_path):
    folder, _ = project
    out = folder / "draft.icp"
    if out.exists():
        out.unlink()
    icp(folder, "discover", "accounts.icp", "accounts.csv", "-o", "draft.icp")
    draft = out.read_text()
    signals = [l.strip() for l in draft.splitlines() if l.strip().startswith("signal ")]
    joined = "\n".join(signals)
    assert "site_visits >=" in joined
    assert '"SAP"' in joined
    assert "rival" in joined
    assert "region" not in joined, draft
    assert "close_date" not in draft
    for line in draft.splitlines():
        if line.strip().startswith(("signal ", "filter ")):
            assert "because" in draft.splitlines()[draft.splitlines().index(line) + 1]
    icp(folder, "check", "--deny", "warnings", "draft.icp")
    # Straight back into validate.
    icp(folder, "validate", "draft.icp", "accounts.csv")


def random_project(folder, seed):
    """A small random export: a few fields of random kinds, some predictive."""
    r = random.Random(seed)
    n = r.choice([5, 30, 200])
    kinds = [r.choice(["int", "enum", "set", "bool", "text", "date", "money"]) for _ in range(r.randrange(1, 5))]
    fields = [f"f{i}" for i in range(len(kinds))]
    schema = ["schema Account {", '  id: text key from "Id"']
    enums = []
    for f, k in zip(fields, kinds):
        if k == "enum":
            enums.append(f"enum E{f} {{ a, b, c }}")
            ty = f"E{f}"
        else:
            ty = {"int": "int", "set": "set<text>", "bool": "bool", "text": "text", "date": "date", "money": "money"}[k]
        schema.append(f"  {f}: {ty}? from \"{f.upper()}\"")
    schema.append('  stage: text from "Stage"')
    schema.append("}")
    (folder / "accounts.icp").write_text("\n".join(enums + schema) + "\n")
    (folder / "icp.toml").write_text('[project]\nname = "r"\nas_of = "2026-11-01"\n')
    lines = ["Id," + ",".join(f.upper() for f in fields) + ",Stage"]
    for i in range(n):
        cells = []
        for k in kinds:
            if r.random() < 0.15:
                cells.append("")
            elif k == "int":
                cells.append(str(r.randrange(0, 100)))
            elif k == "enum":
                cells.append(r.choice("abc"))
            elif k == "set":
                cells.append(";".join(r.sample(["x", "y", "z"], r.randrange(0, 3))))
            elif k == "bool":
                cells.append(r.choice(["true", "false"]))
            elif k == "text":
                cells.append(r.choice(["US", "DE", "FR", f"v{i}"]))
            elif k == "date":
                cells.append(f"2026-{r.randrange(1, 11):02d}-{r.randrange(1, 28):02d}")
            else:
                cells.append(f"${r.randrange(1, 900)}k")
        stage = r.choice(["Won", "Lost", "Lost", "Open"])
        lines.append(f"A{i}," + ",".join(cells) + f",{stage}")
    (folder / "accounts.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(int(os.environ.get("ICP_FUZZ_ITERATIONS", "12"))))
def test_discover_fuzz(tmp_path, seed):
    random_project(tmp_path, 1000 + seed)
    p = icp(tmp_path, "discover", "accounts.icp", "accounts.csv", "-o", "draft.icp",
            "--outcome", "Stage", "--won", "Won", "--lost", "Lost", "--open", "Open", check=False)
    assert p.returncode in (0, 1), p.stdout + p.stderr
    assert "panicked" not in p.stderr
    if p.returncode == 0:
        icp(tmp_path, "check", "draft.icp")
        icp(tmp_path, "validate", "draft.icp", "accounts.csv",
            "--outcome", "Stage", "--won", "Won", "--lost", "Lost", "--open", "Open")
    else:
        assert p.stderr.startswith("error: "), p.stderr
        assert not (tmp_path / "draft.icp").exists()
