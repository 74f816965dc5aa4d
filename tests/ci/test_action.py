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
    written = [c for c in calls if "POST" in c or "PATCH" in c]
    if sys.argv[sys.argv.index("--jq") + 1] == ".body":
        # The comment as last written.
        body = next(a for a in written[-1] if a.startswith("body="))
        print(body[len("body="):])
    elif written:
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
    assert body.startswith("body=<!-- icp diff -->\n## icp diff\n\nFor commit `")
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


def body_of(call):
    return next(a for a in call if a.startswith("body="))[len("body="):]


def monorepo_pull_request(tmp_path, products, change):
    """origin with `products` (name -> copy of examples/erp, renamed), and a
    clone on branch `pr` where `change(pr)` was made and committed."""
    work = tmp_path / "work"
    for name in products:
        dest = work / "products" / name
        shutil.copytree(REPO / "examples" / "erp", dest)
        toml = dest / "icp.toml"
        toml.write_text(toml.read_text().replace('name = "ERP connector"', f'name = "{name}"'))
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "ICPs")
    git(tmp_path, "clone", "-q", "--bare", str(work), "origin.git")
    pr = tmp_path / "pr"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), "pr")
    git(pr, "checkout", "-q", "-b", "pr")
    change(pr)
    git(pr, "commit", "-q", "-am", "change")
    return pr


def test_one_broken_product_hides_nothing_else_in_the_comment(tmp_path):
    def change(pr):
        reweight(pr / "products" / "good" / "icp.icp")
        broken = pr / "products" / "broken" / "icp.icp"
        broken.write_text(broken.read_text().replace("weight 20", "weight twenty", 1))
    pr = monorepo_pull_request(tmp_path, ["broken", "good"], change)
    r = run_step(tmp_path, pr, paths="products")
    assert r.returncode == 1, r.stdout + r.stderr
    body = body_of(json.loads((tmp_path / "gh.json").read_text())[-1])
    assert "`products/broken/icp.icp` (broken) does not compile in the working tree" in body
    assert "| reweighted | signal `budget` |" in body, "the other product is still compared"
    # The failing check is annotated, the step does not claim it could not compare.
    assert "could not compare" not in r.stdout


def test_a_run_that_cannot_measure_marks_the_comment_out_of_date(tmp_path):
    pr = pull_request(tmp_path, reweight)
    assert run_step(tmp_path, pr, paths="products").returncode == 0
    first = body_of(json.loads((tmp_path / "gh.json").read_text())[-1])
    # The base branch cannot be fetched: nothing is measured.
    r = run_step(tmp_path, pr, paths="products", base="no-such-branch")
    assert r.returncode == 1
    assert "::error title=icp diff::could not compare with no-such-branch" in r.stdout
    last = json.loads((tmp_path / "gh.json").read_text())[-1]
    assert "PATCH" in last
    body = body_of(last)
    assert body.startswith("<!-- icp diff -->\n> **Out of date:** icp could not measure commit")
    assert first.split("\n", 1)[1] in body, "the earlier report is kept below the note"


def test_format_and_test_failures_are_annotated(tmp_path):
    def unformatted_and_failing(path):
        text = path.read_text().replace("  signal budget:", "  signal    budget:")
        path.write_text(text.replace("expect tier A", "expect tier C", 1))
    pr = pull_request(tmp_path, unformatted_and_failing)
    r = run_step(tmp_path, pr, paths="products", comment="false")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    fmt = [l for l in lines if l.startswith("::error file=products/erp/icp.icp,line=") and "title=icp fmt::" in l]
    test = [l for l in lines if l.startswith("::error file=products/erp/icp.icp,line=") and "title=icp test::" in l]
    assert len(fmt) == 1 and "is not in the canonical layout" in fmt[0], r.stdout
    assert len(test) == 1 and "expected tier `C`" in test[0], r.stdout
    # The line is the test's own line.
    line = int(test[0].split("line=")[1].split(",")[0])
    text = (pr / "products" / "erp" / "icp.icp").read_text().splitlines()
    assert text[line - 1].lstrip().startswith("test "), text[line - 1]


def test_a_long_report_is_cut_between_products_with_a_link(tmp_path):
    names = [f"product{i:02d}" for i in range(64)]
    def change(pr):
        for n in names:
            reweight(pr / "products" / n / "icp.icp")
    pr = monorepo_pull_request(tmp_path, names, change)
    r = run_step(tmp_path, pr, paths="products", **{"deny-warnings": "false"})
    assert r.returncode == 0, r.stdout + r.stderr
    report = (tmp_path / "icp-diff.md").read_text()
    assert len(report) > 60000, len(report)
    body = body_of(json.loads((tmp_path / "gh.json").read_text())[-1])
    assert len(body) < 61000
    kept, note = body.rsplit("\n\n> **The report is longer than a comment can hold.**", 1)
    assert "[job summary](https://github.com/acme/icps/actions/runs/" in note
    # Cut between sections: every section kept is whole.
    assert kept.rstrip().endswith("</details>"), kept[-200:]
    assert kept.count("<details>") == kept.count("</details>") > 0
    # The summary table at the top lists every product, cut or not.
    for n in names:
        assert f"| {n} | `mid_market_manufacturing` changed |" in kept


def test_the_cache_key_follows_the_actions_source(tmp_path):
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "source")
    def key_of(src):
        out = tmp_path / "out"
        out.write_text("")
        env = {**os.environ, "ACTION_PATH": str(src), "GITHUB_OUTPUT": str(out)}
        subprocess.run(["bash", "-c", step["run"]], env=env, check=True)
        return out.read_text().strip()
    def copy(to):
        for part in ["Cargo.toml", "Cargo.lock", "grammar", "icp-lang"]:
            src = REPO / part
            if src.is_dir():
                shutil.copytree(src, to / part, ignore=shutil.ignore_patterns("target"))
            else:
                to.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, to / part)
        return to
    a, b = copy(tmp_path / "a"), copy(tmp_path / "b")
    assert key_of(a) == key_of(b) != "key="
    main = b / "icp-lang" / "src" / "main.rs"
    main.write_text(main.read_text() + "\n// a change\n")
    assert key_of(a) != key_of(b)


def test_the_fetch_icp_suggests_works_in_a_shallow_single_branch_clone(tmp_path):
    pr = pull_request(tmp_path, reweight)
    git(pr, "push", "-q", "origin", "pr")
    # As actions/checkout and GitLab clone: one commit of one branch.
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", "--single-branch", "--branch", "pr",
        (tmp_path / "origin.git").as_uri(), str(shallow))
    env = {**os.environ, **GIT_ENV, "NO_COLOR": "1"}
    run = lambda *a: subprocess.run(a, cwd=shallow, env=env, text=True, capture_output=True)
    r = run(str(ICP), "diff", "--base", "origin/main", "products")
    assert r.returncode == 2, r.stdout + r.stderr
    hint = re.search(r"fetch it first: `([^`]+)`", r.stderr)
    assert hint, r.stderr
    # What a plain fetch does there: no origin/main.
    run("git", "fetch", "-q", "origin", "main")
    assert run(str(ICP), "diff", "--base", "origin/main", "products").returncode == 2
    # The suggested command does it.
    fetched = run(*hint.group(1).split())
    assert fetched.returncode == 0, fetched.stderr
    r = run(str(ICP), "diff", "--base", "origin/main", "products")
    assert r.returncode == 0, r.stderr
    assert "reweighted" in r.stdout
    # The documented GitLab line (with its variable set) is the same command.
    docs = (REPO / "docs" / "ci.md").read_text()
    gitlab = re.search(r"git fetch --no-tags --depth=1 origin \"\+refs/heads/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:refs/remotes/origin/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\"", docs)
    assert gitlab, "docs/ci.md's GitLab fetch line changed; test it here"


def test_pre_commit_on_a_staged_shared_file_checks_it_with_its_importers(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(REPO / "examples" / "acme-print", work)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "ICPs")
    # Change only the shared schema, and stage only it.
    shared = work / "shared" / "accounts.icp"
    shared.write_text(shared.read_text() + "\n// reviewed with sales\n")
    git(work, "add", "shared/accounts.icp")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(ICP, bin_dir / "icp")
    env = {**os.environ, **GIT_ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    pre_commit = [str(Path(os.sys.executable).parent / "pre-commit"), "try-repo", str(REPO)]
    for name in ("icp-check", "icp-test"):
        r = subprocess.run([*pre_commit, name], cwd=work, env=env, text=True, capture_output=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Passed" in r.stdout, r.stdout
    # The same file checked alone has false "never used" findings: the
    # context is what makes the hook right.
    alone = subprocess.run([str(ICP), "check", "--deny", "warnings", "shared/accounts.icp"],
                           cwd=work, env=env, text=True, capture_output=True)
    assert alone.returncode == 1 and "never used" in alone.stdout
    # A real problem in the staged file is still reported.
    shared.write_text(shared.read_text().replace("employees >= 50", "employees >= $50", 1))
    git(work, "add", "shared/accounts.icp")
    r = subprocess.run([*pre_commit, "icp-check"], cwd=work, env=env, text=True, capture_output=True)
    assert r.returncode == 1 and "error[E0" in r.stdout, r.stdout


def test_files_committed_with_crlf_pass_fmt_and_are_measured(tmp_path):
    def to_crlf(path):
        reweight(path)
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    pr = pull_request(tmp_path, to_crlf)
    r = run_step(tmp_path, pr, paths="products", comment="false")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "title=icp fmt" not in r.stdout and "would reformat 0 of" in r.stderr
    assert "| reweighted | signal `budget` |" in (tmp_path / "summary.md").read_text()


def test_a_monorepo_with_a_shared_schema_broken_base_rename_and_deletion(tmp_path):
    """Four kinds of change in one pull request over a monorepo with a shared
    schema: the base of one product does not compile, one ICP is renamed,
    one product is deleted, and a shared segment changes. Each is said as
    what it is in the comment."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "examples" / "acme-print", work / "products" / "acme-print")
    shutil.copytree(REPO / "examples" / "erp", work / "products" / "erp")
    shutil.copytree(REPO / "examples" / "intent", work / "products" / "intent")
    # At the base, the intent product does not compile.
    intent = work / "products" / "intent" / "icp.icp"
    good_intent = intent.read_text()
    intent.write_text(good_intent.replace("weight", "weight weight", 1))
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "ICPs")
    git(tmp_path, "clone", "-q", "--bare", str(work), "origin.git")
    pr = tmp_path / "pr"
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), "pr")
    git(pr, "checkout", "-q", "-b", "pr")
    (pr / "products" / "intent" / "icp.icp").write_text(good_intent)
    clothing = pr / "products" / "acme-print" / "clothing" / "icp.icp"
    clothing.write_text(clothing.read_text().replace("icp clothing ", "icp branded_clothing ", 1))
    shared = pr / "products" / "acme-print" / "shared" / "accounts.icp"
    shared.write_text(shared.read_text().replace("employees >= 50 and", "employees >= 80 and", 1))
    shutil.rmtree(pr / "products" / "erp")
    git(pr, "add", "-A")
    git(pr, "commit", "-q", "-m", "change")
    r = run_step(tmp_path, pr, paths="products", **{"deny-warnings": "false"})
    assert r.returncode == 0, r.stdout + r.stderr
    body = body_of(json.loads((tmp_path / "gh.json").read_text())[-1])
    assert "does not compile at `origin/main`" in body and "products/intent/icp.icp" in body, body
    assert "not compared" in body
    assert "Renamed from `clothing`" in body or "renamed" in body, body
    assert "`bulk_buyer` in `products/acme-print/shared/accounts.icp`" in body, body
    assert "| ERP connector | `mid_market_manufacturing` removed |" in body, body
    assert "**Impact on 26 accounts** in `products/erp/accounts.csv`" in body, body
    assert str(tmp_path) not in body, "no path of the runner in a comment"
