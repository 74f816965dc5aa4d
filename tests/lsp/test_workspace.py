"""The editor shows exactly what `icp check` shows: the real icp-lsp over
stdio against the real `icp` binary, on every fixture and example, and on
projects whose `icp.toml` allows a warning, is broken, or names hostile
sample data."""

import json
import os
import pathlib
import subprocess
import tempfile
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("ICP_LSP", str(ROOT / "target" / "debug" / "icp-lsp"))
ICP = os.environ.get("ICP", str(pathlib.Path(SERVER).with_name("icp")))

FILES = sorted(
    [p for p in (ROOT / "tests" / "fixtures").rglob("*.icp")] + [p for p in (ROOT / "examples").rglob("*.icp")]
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER]))
async def client(lsp_client: LanguageClient):
    # Answer what the server asks of an editor.
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        pass

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(params):
        pass

    params = types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri())
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str, timeout: float = 20.0):
    """The diagnostics published for `uri` (waiting for the first)."""
    deadline = time.monotonic() + timeout
    while uri not in client.diagnostics:
        left = deadline - time.monotonic()
        assert left > 0, f"no diagnostics published for {uri}"
        await client.wait_for_notification("textDocument/publishDiagnostics")
    return client.diagnostics[uri]


def open_doc(client: LanguageClient, path: pathlib.Path, text: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="icp", version=1, text=text))
    )
    return uri


def cli_diagnostics(path: pathlib.Path):
    """`icp check --format json` on one file, its own findings only, as the
    editor shows them: (line, code, severity, message), 0-based lines."""
    out = subprocess.run([ICP, "check", "--format", "json", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    shown = str(path.relative_to(ROOT))
    return sorted(
        (d["location"]["start"]["line"] - 1, d["code"], d["severity"], as_in_editor(d))
        for d in json.loads(out.stdout)["diagnostics"]
        if d["location"]["file"] == shown
    )


def as_in_editor(d) -> str:
    """The JSON diagnostic's text as an editor shows it: the message with its
    label, then the notes and the help on lines of their own."""
    text = d["message"] + (f" ({d['label']})" if d["label"] else "")
    text += "".join(f"\nnote: {n}" for n in d["notes"])
    return text + (f"\nhelp: {d['help']}" if d["help"] else "")


SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
async def test_the_editor_shows_what_icp_check_shows(client: LanguageClient, path: pathlib.Path):
    uri = open_doc(client, path, path.read_text(encoding="utf-8"))
    editor = sorted(
        (d.range.start.line, d.code, SEVERITY[d.severity], d.message) for d in await published(client, uri)
    )
    assert editor == cli_diagnostics(path)


def project(files: dict) -> pathlib.Path:
    dir = pathlib.Path(tempfile.mkdtemp(prefix="icp-ws-"))
    for name, body in files.items():
        p = dir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8")
    return dir


UNUSED = "enum Unused { a }\nschema S {\n  id: text key\n}\n"


async def test_a_warning_allowed_in_icp_toml_is_not_shown(client: LanguageClient):
    dir = project({"icp.toml": '[lints]\nunused-item = "allow"\n', "a.icp": UNUSED})
    uri = open_doc(client, dir / "a.icp", UNUSED)
    assert list(await published(client, uri)) == []
    # The same file without the setting has the warning: the test can fail.
    dir = project({"icp.toml": "[project]\n", "a.icp": UNUSED})
    uri = open_doc(client, dir / "a.icp", UNUSED)
    assert [d.code for d in await published(client, uri)] == ["W0101"]


async def test_an_invalid_icp_toml_is_shown_on_icp_toml(client: LanguageClient):
    dir = project({"icp.toml": '[project]\nas_of = "yesterday"\n', "a.icp": "enum E { a }\n"})
    open_doc(client, dir / "a.icp", "enum E { a }\n")
    settings = await published(client, (dir / "icp.toml").as_uri())
    assert [(d.code, d.range.start.line) for d in settings] == [("E0004", 1)], settings
    assert "`as_of` must be a date" in settings[0].message
    # And `icp check` fails on it, at the same place.
    out = subprocess.run([ICP, "check", "a.icp"], cwd=dir, capture_output=True, text=True)
    assert out.returncode == 1 and "icp.toml:2:" in out.stdout, out.stdout


SAMPLE_ICP = """schema S {
  id: text key
  n: int
}
icp p for S {
  signal big: n > 5 weight 10
  tier A: score >= 10
  tier B: otherwise
}
"""


def sparse(path: pathlib.Path, size: int):
    path.write_text("id,n\n", encoding="utf-8")
    os.truncate(path, size)


async def lens_titles(client: LanguageClient, dir: pathlib.Path):
    uri = open_doc(client, dir / "a.icp", SAMPLE_ICP)
    await published(client, uri)
    started = time.monotonic()
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return [l.command.title for l in lenses], time.monotonic() - started


@pytest.mark.parametrize(
    "sample, make, says",
    [
        ("/dev/zero", None, "outside the project root"),
        ("fifo.csv", lambda p: os.mkfifo(p), "not a regular file"),
        ("big.csv", lambda p: sparse(p, 2 << 30), "lenses read at most"),
        ("data", lambda p: p.mkdir(), "a folder"),
    ],
)
async def test_hostile_sample_data_gives_a_lens_that_says_why_at_once(client: LanguageClient, sample, make, says):
    dir = project({"icp.toml": f'[project]\nsample_data = "{sample}"\n', "a.icp": SAMPLE_ICP})
    if make:
        make(dir / sample)
    titles, took = await lens_titles(client, dir)
    assert any(says in t for t in titles), titles
    # Not a timed test of speed: a bound on a hang (it used to never answer).
    assert took < 10, took


def score_counts(dir: pathlib.Path, data: str) -> dict:
    """Tier and removed counts as `icp score` gives them."""
    out = subprocess.run([ICP, "score", "a.icp", data, "--format", "jsonl", "--on-error", "skip"],
                         cwd=dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    counts: dict = {}
    for line in out.stdout.splitlines():
        row = json.loads(line)
        key = "removed" if row["removed_by"] else row["tier"]
        counts[key] = counts.get(key, 0) + 1
    return counts


def lens_counts(title: str) -> dict:
    # "sample data: A 7 · B 3 · removed 9"
    assert title.startswith("sample data: "), title
    parts = [p.rsplit(" ", 1) for p in title[len("sample data: "):].split(" · ")]
    return {name: int(n) for name, n in parts if int(n) > 0 and name not in ("bad",)}


LENS_ICP = """schema S {
  id: text key from "Account"
  n: int from "Employees"
  tech: set<text> from "Tech"
}
icp p for S {
  filter some: n >= 10
  signal big: n > 500 weight 10
  signal modern: tech has "dbt" weight 5
  tier A: score >= 15
  tier B: score >= 10
  tier C: otherwise
}
"""

ROWS = [("1", 800, ["dbt", "SAP"]), ("2", 600, ["SAP"]), ("3", 5, []), ("4", 50, ["dbt"]), ("5", 20, [])]


@pytest.mark.parametrize("layout", ["semicolons", "jsonl"])
async def test_the_lens_counts_what_icp_score_counts(client: LanguageClient, layout):
    if layout == "semicolons":
        data = "accounts.csv"
        body = "Account;Employees;Tech\n" + "".join(f"{i};{n};{'|'.join(t)}\n" for i, n, t in ROWS)
        toml = '[project]\nsample_data = "accounts.csv"\n\n[data]\ndelimiter = ";"\nlist_separator = "|"\n'
    else:
        data = "accounts.jsonl"
        body = "".join(json.dumps({"Account": i, "Employees": n, "Tech": t}) + "\n" for i, n, t in ROWS)
        toml = '[project]\nsample_data = "accounts.jsonl"\n'
    dir = project({"icp.toml": toml, "a.icp": LENS_ICP, data: body})
    uri = open_doc(client, dir / "a.icp", LENS_ICP)
    await published(client, uri)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    title = next(l.command.title for l in lenses if l.command.title.startswith("sample data"))
    expected = score_counts(dir, data)
    assert expected == {"A": 1, "B": 1, "C": 2, "removed": 1}, expected
    assert lens_counts(title) == expected, title


async def test_links_out_of_the_project_and_pipes_are_refused_in_the_editor(client: LanguageClient):
    outside = project({"secret.icp": "enum Leak { the_secret_value }\n"})
    main = 'import "l.icp"\nimport "pipe.icp"\n'
    dir = project({"icp.toml": "[project]\n", "main.icp": main})
    os.symlink(outside / "secret.icp", dir / "l.icp")
    os.mkfifo(dir / "pipe.icp")
    started = time.monotonic()
    uri = open_doc(client, dir / "main.icp", main)
    diags = list(await published(client, uri))
    assert time.monotonic() - started < 10, "a FIFO must not block the server"
    by_line = {d.range.start.line: d for d in diags}
    assert by_line[0].code == "E0205" and "outside the project root" in by_line[0].message, diags
    assert "not a regular file" in by_line[1].message, diags
    assert all("the_secret_value" not in d.message for d in diags)
    # And the command line says the same.
    cli = cli_diagnostics_in(dir, "main.icp")
    assert sorted((d.range.start.line, d.code) for d in diags) == cli


def cli_diagnostics_in(dir: pathlib.Path, name: str):
    out = subprocess.run([ICP, "check", "--format", "json", name], cwd=dir, capture_output=True, text=True, timeout=30)
    return sorted((d["location"]["start"]["line"] - 1, d["code"])
                  for d in json.loads(out.stdout)["diagnostics"] if d["location"]["file"] == name)


NEAR_ICP = """schema S {
  id: text key from "Account"
  country: text from "Country"
}
icp p for S {
  filter north_america: country in ["United States", "Canada"]
  tier A: otherwise
}
"""


async def test_near_misses_are_shown_on_the_rule_and_agree_with_icp_funnel(client: LanguageClient):
    body = "Account,Country\n1,United States\n2,united states\n3,Untied States\n4,Untied States\n5,Cnada\n6,Mexico\n"
    dir = project({"icp.toml": '[project]\nsample_data = "a.csv"\n', "a.icp": NEAR_ICP, "a.csv": body})
    uri = open_doc(client, dir / "a.icp", NEAR_ICP)
    await published(client, uri)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    near = sorted((l.range.start.line, l.command.title) for l in lenses if "no rule lists" in l.command.title)
    out = subprocess.run([ICP, "funnel", "a.icp", "a.csv", "--format", "json"], cwd=dir, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    funnel = json.loads(out.stdout)["near_misses"]
    assert [(m["value"], m["accounts"], m["near"]) for m in funnel] == [("Untied States", 2, "United States"), ("Cnada", 1, "Canada")]
    # Each on the filter that lists what it looks like (line 5).
    assert near == sorted([
        (5, "sample data: 2 accounts have `Untied States` in `Country`, which no rule lists (a rule lists `United States`)"),
        (5, "sample data: 1 account has `Cnada` in `Country`, which no rule lists (a rule lists `Canada`)"),
    ]), near
