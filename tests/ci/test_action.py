"""The GitHub Action and the pre-commit hooks, run for real.

The action's main step is taken out of action.yml and run with bash the way
a runner would run it (inputs as environment variables, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files), in a git repository with an `origin` and a pull
request branch; `gh` is a stand-in that records the API calls. The hooks run
through `pre-commit try-repo` against this repository.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ICP = Path(os.environ.get("ICP", REPO / "target" / "debug" / "icp"))

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Rev Ops",
    "GIT_AUTHOR_EMAIL": "revops@example.com",
    "GIT_COMMITTER_NAME": "Rev Ops",
    "GIT_COMMITTER_EMAIL": "revops@example.com",
}

# A `gh` that answers `gh api` like GitHub would for an empty pull request,
# then with the comment it was given, and logs every call.
FAKE_GH = r"""#!/usr/bin/env python3
import json, os, sys
log = os.environ["GH_LOG"]
calls = json.load(open(log)) if os.path.exists(log) else []
calls.append(sys.argv[1:])
json.dump(calls, open(log, "w"))
if "--jq" in sys.argv:
    posted = [c for c in calls if "POST" in c]
    if posted:
        print("4242")
"""


def git(cwd, *args):
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=env, check=True,
                   capture_output=True)


def action():
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_is_a_well_formed_composite_action():
    a = action()
    assert a["runs"]["using"] == "composite"
    declared = set(a["inputs"])
    text = (REPO / "action.yml").read_text()
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text))
    assert used == declared, f"inputs used {used} vs declared {declared}"
    for name, spec in a["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
    for step in a["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # bash -n: the script at least parses.
            subprocess.run(["bash", "-n"], input=step["run"], text=True, check=True)
    assert a["outputs"]["report"]["value"] == "${{ steps.icp.outputs.report }}"


def pull_request(tmp_path, change):
    """origin (bare) with main; a clone on branch `pr` with `change` made."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "examples" / "erp", work / "products" / "erp")
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "ICPs")
    git(tmp_path, "clone", "-q", "--bare", str(work), "origin.git")
    pr = tmp_path / "pr"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), "pr")
    git(pr, "checkout", "-q", "-b", "pr")
    change(pr / "products" / "erp" / "icp.icp")
    git(pr, "commit", "-q", "-am", "change")
    return pr


def run_step(tmp_path, cwd, **inputs):
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "icp")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shutil.copy(ICP, bin_dir / "icp")
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    defaults = {k: str(v.get("default", "")) for k, v in action()["inputs"].items()}
    values = {**defaults, **inputs}
    env = {**os.environ, **GIT_ENV}
    for key, expr in step["env"].items():
        m = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(expr))
        if m:
            env[key] = values[m.group(1)]
    env.update({
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_TOKEN": "token",
        "PR_NUMBER": "7",
        "GITHUB_REPOSITORY": "acme/icps",
        "GITHUB_BASE_REF": "main",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RUNNER_TEMP": str(tmp_path),
        "GH_LOG": str(tmp_path / "gh.json"),
        "NO_COLOR": "1",
    })
    return subprocess.run(["bash", "-c", step["run"]], cwd=cwd, env=env, text=True,
                          capture_output=True)


def reweight(path):
    """A reweight with its test updated, as a careful author would."""
    text = path.read_text().replace("it_budget >= $1M weight 20", "it_budget >= $1M weight 30")
    path.write_text(text.replace("expect score == 85", "expect score == 95"))


def test_a_clean_pull_request_gets_its_impact_report_as_one_updated_comment(tmp_path):
    pr = pull_request(tmp_path, reweight)
    r = run_step(tmp_path, pr, paths="products", **{"deny-warnings": "true"})
    assert r.returncode == 0, r.stdout + r.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "## icp diff" in summary
    assert "| reweighted | signal `budget` |" in summary
    assert "**Impact on 26 accounts**" in summary
    assert f"report={tmp_path}/icp-diff.md" in (tmp_path / "output").read_text()
    calls = json.loads((tmp_path / "gh.json").read_text())
    assert calls[-1][:3] == ["api", "--silent", "-X"] and "POST" in calls[-1]
    body = next(a for a in calls[-1] if a.startswith("body="))
    assert body.startswith("body=<!-- icp diff -->\n## icp diff")
    # A second push edits the same comment instead of adding one.
    r = run_step(tmp_path, pr, paths="products")
    assert r.returncode == 0, r.stdout + r.stderr
    calls = json.loads((tmp_path / "gh.json").read_text())
    assert "PATCH" in calls[-1]
    assert "repos/acme/icps/issues/comments/4242" in calls[-1]


def test_problems_fail_the_step_but_every_check_still_runs(tmp_path):
    def unformatted_and_failing(path):
        text = path.read_text().replace("  signal budget:", "  signal    budget:")
        path.write_text(text.replace("expect tier A", "expect tier C", 1))
    pr = pull_request(tmp_path, unformatted_and_failing)
    r = run_step(tmp_path, pr, paths="products", comment="false")
    assert r.returncode == 1
    assert "::group::icp fmt --check" in r.stdout and "::group::icp test" in r.stdout
    assert "FAILED" in r.stdout
    # The report is still written; nothing is posted when asked not to.
    assert "## icp diff" in (tmp_path / "summary.md").read_text()
    assert not (tmp_path / "gh.json").exists()


def test_pre_commit_hooks_run_from_this_repository(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(REPO / "examples" / "erp", work)
    icp = work / "icp.icp"
    icp.write_text(icp.read_text().replace("  signal budget:", "  signal    budget:"))
    git(work, "init", "-q")
    git(work, "add", "-A")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(ICP, bin_dir / "icp")
    env = {**os.environ, **GIT_ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    pre_commit = [str(Path(os.sys.executable).parent / "pre-commit"), "try-repo", str(REPO)]

    def hook(name):
        return subprocess.run([*pre_commit, name, "--all-files"], cwd=work, env=env, text=True,
                              capture_output=True)

    r = hook("icp-fmt")
    assert r.returncode == 1, r.stdout  # it rewrote a file, so the commit stops
    assert "files were modified by this hook" in r.stdout
    assert "  signal budget:" in icp.read_text()
    assert hook("icp-fmt").returncode == 0
    for name in ("icp-check", "icp-test"):
        r = hook(name)
        assert r.returncode == 0, r.stdout
        assert "Passed" in r.stdout
