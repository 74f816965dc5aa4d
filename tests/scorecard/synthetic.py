"""A generated data set with known true effects, for the differential tests.

Accounts have an industry, a size, intent (site visits), a tech stack, a
rival status and an irrelevant field; the chance of a win is a logistic
function of a few of them with known coefficients, so a correct fit
recovers their order and discover finds the predictive fields.
"""
import csv
import math
import random

# True log-odds effects: visits >= 5 strongly positive, SAP positive,
# in_cycle with a rival negative, region irrelevant.
TRUE = {"high_intent": 1.6, "runs_sap": 0.8, "rival": -1.0, "region_eu": 0.0}
INTERCEPT = -1.2


def generate(path, n=4000, seed=7, outcome=True):
    r = random.Random(seed)
    rows = []
    for i in range(n):
        visits = r.choice([0, 0, 1, 2, 3, 5, 6, 8, 12])
        stack = [t for t in ["SAP", "Snowflake", "dbt", "Oracle"] if r.random() < 0.35]
        rival = r.choice(["none", "none", "in_cycle", "rejected"])
        region = r.choice(["EU", "NA", "APAC"])
        industry = r.choice(["manufacturing", "retail", "software", "education"])
        employees = r.randrange(20, 5000)
        eta = INTERCEPT
        eta += TRUE["high_intent"] * (visits >= 5)
        eta += TRUE["runs_sap"] * ("SAP" in stack)
        eta += TRUE["rival"] * (rival == "in_cycle")
        eta += TRUE["region_eu"] * (region == "EU")
        p = 1 / (1 + math.exp(-eta))
        u = r.random()
        stage = "Closed Won" if u < p else "Closed Lost"
        if r.random() < 0.1:
            stage = "Open"
        # Some visits unknown: missing data.
        visits_cell = "" if r.random() < 0.08 else str(visits)
        rows.append({
            "Account ID": f"A{i:05d}",
            "Industry": industry,
            "Employees": employees,
            "Site Visits": visits_cell,
            "Tech": ";".join(stack),
            "Rival": rival,
            "Region": region,
            "Close Date": f"2026-{1 + i * 10 // n:02d}-{1 + i % 28:02d}",
            "Stage": stage,
        })
    with open(path, "w", newline="") as f:
        fields = list(rows[0].keys())
        if not outcome:
            fields.remove("Stage")
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return rows


SCHEMA = """enum Industry { manufacturing, retail, software, education }
enum Rivalry { none, in_cycle, rejected }
enum Region { eu "EU", na "NA", apac "APAC" }

schema Account {
  id: text key from "Account ID"
  industry: Industry from "Industry"
  employees: int from "Employees"
  site_visits: int? from "Site Visits"
  tech: set<text> from "Tech"
  rival: Rivalry from "Rival"
  region: Region from "Region"
  close_date: date from "Close Date"
}
"""

ICP = """import "accounts.icp"

icp synthetic for Account {
  owner "revops@example.com"
  reviewed 2026-11-01 every 90d

  filter not_schools: industry != education
  signal high_intent: site_visits >= 5 weight 10
  signal runs_sap: tech has any ["SAP"] weight 10 // the ERP we connect to
  signal rival: rival == in_cycle weight 10
  signal region_eu: region == eu weight 10

  tier A: score >= 20
  tier B: otherwise
}
"""


def project(folder, n=4000, seed=7):
    """Writes the accounts, schema, ICP and icp.toml into `folder`."""
    import pathlib
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = generate(folder / "accounts.csv", n=n, seed=seed)
    (folder / "accounts.icp").write_text(SCHEMA)
    (folder / "icp.icp").write_text(ICP)
    (folder / "icp.toml").write_text(
        '[project]\nname = "synthetic"\nas_of = "2026-11-01"\n\n'
        '[outcomes]\ncolumn = "Stage"\nwon = ["Closed Won"]\nlost = ["Closed Lost"]\nopen = ["Open"]\n'
    )
    return rows


if __name__ == "__main__":
    import sys
    project(sys.argv[1])
