"""icp-lsp end to end: the real binary over stdio, initialised with the
capabilities VS Code 1.65 and Neovim 0.11 really send (recorded by
pytest-lsp), then used the way those editors use it."""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("ICP_LSP", str(ROOT / "target" / "debug" / "icp-lsp"))
EXAMPLE = ROOT / "examples" / "erp" / "icp.icp"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[SERVER]),
    params=["visual-studio-code", "neovim@v0.11.0"],
)
async def client(request, lsp_client: LanguageClient):
    # Answer what the server asks of the client, as the editor would, and
    # keep a record for the tests.
    lsp_client.registrations = []
    lsp_client.lens_refreshes = 0

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(params):
        lsp_client.lens_refreshes += 1

    params = types.InitializeParams(capabilities=client_capabilities(request.param), root_uri=ROOT.as_uri())
    result = await lsp_client.initialize_session(params)
    lsp_client.encoding = result.capabilities.position_encoding
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="icp", version=version, text=text))
    )
    return uri


async def test_negotiates_an_encoding_the_client_offered(client: LanguageClient):
    offered = client.capabilities.general.position_encodings if client.capabilities.general else None
    expected = "utf-8" if offered and "utf-8" in offered else "utf-16"
    assert client.encoding == expected


async def test_example_is_clean_and_typos_are_diagnosed(client: LanguageClient):
    text = EXAMPLE.read_text(encoding="utf-8")
    uri = open_doc(client, EXAMPLE, text)
    await client.wait_for_notification("textDocument/publishDiagnostics")
    assert list(client.diagnostics[uri]) == []

    broken = text.replace("signal high_intent: site_visits_30d", "signal high_intent: site_visits_3d", 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=broken)],
        )
    )
    await client.wait_for_notification("textDocument/publishDiagnostics")
    codes = [d.code for d in client.diagnostics[uri]]
    assert codes == ["E0201"], client.diagnostics[uri]
    assert "did you mean `site_visits_30d`?" in client.diagnostics[uri][0].message


async def test_hover_definition_symbols_and_lenses(client: LanguageClient):
    text = EXAMPLE.read_text(encoding="utf-8")
    uri = open_doc(client, EXAMPLE, text)
    await client.wait_for_notification("textDocument/publishDiagnostics")
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines) if "signal high_intent" in l)
    col = lines[line].index("site_visits_30d") + 2  # ASCII line: the same in UTF-8 and UTF-16
    at = types.Position(line=line, character=col)

    hover = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at))
    assert hover is not None and "Site Visits (30d)" in hover.contents.value

    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at)
    )
    assert definition.uri.endswith("examples/erp/accounts.icp")

    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert [s.name for s in symbols] == ["mid_market_manufacturing"]

    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = [l.command.title for l in lenses]
    assert titles[0].startswith("sample data: A ") and titles.count("✓ passes") == 4, titles


async def test_watches_files_on_disk_and_refreshes_lenses_on_save(client: LanguageClient):
    caps = client.capabilities.workspace
    dynamic = bool(caps and caps.did_change_watched_files and caps.did_change_watched_files.dynamic_registration)
    uri = open_doc(client, EXAMPLE, EXAMPLE.read_text(encoding="utf-8"))
    await client.wait_for_notification("textDocument/publishDiagnostics")
    if dynamic:
        watched = [r for r in client.registrations if r.method == "workspace/didChangeWatchedFiles"]
        globs = [w["globPattern"] for w in watched[0].register_options["watchers"]]
        assert "**/*.icp" in globs and "**/icp.toml" in globs, globs
    else:
        assert client.registrations == []
    refresh = bool(caps and caps.code_lens and caps.code_lens.refresh_support)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    # A request after the save: by its answer the save has been handled.
    await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    for _ in range(50):
        if client.lens_refreshes or not refresh:
            break
        await asyncio.sleep(0.02)
    assert client.lens_refreshes == (1 if refresh else 0)


@pytest.mark.parametrize(
    "stdin",
    [
        b"Content-Length: nope\r\n\r\n{}",
        b'Content-Length: 7\r\n\r\n[1, 2]\n',
        b"Content-Length: 13\r\n\r\nnot json-rpc!",
    ],
    ids=["bad-content-length", "not-an-object", "not-json"],
)
def test_malformed_framing_exits_non_zero_with_a_message(stdin: bytes):
    import subprocess

    done = subprocess.run([SERVER], input=stdin, capture_output=True, timeout=30)
    assert done.returncode != 0, done
    assert b"icp-lsp:" in done.stderr, done.stderr


async def test_references_and_rename_from_the_declaring_file_reach_its_importers(client: LanguageClient):
    shared = ROOT / "examples" / "acme-print" / "shared" / "accounts.icp"
    text = shared.read_text(encoding="utf-8")
    uri = open_doc(client, shared, text)
    await client.wait_for_notification("textDocument/publishDiagnostics")
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines) if l.strip().startswith("employees:"))
    at = types.Position(line=line, character=lines[line].index("employees") + 2)
    doc = types.TextDocumentIdentifier(uri=uri)

    refs = await client.text_document_references_async(
        types.ReferenceParams(text_document=doc, position=at, context=types.ReferenceContext(include_declaration=True))
    )
    files = {r.uri.rsplit("/", 2)[-2] + "/" + r.uri.rsplit("/", 1)[-1] for r in refs}
    assert files == {"shared/accounts.icp", "clothing/icp.icp", "stationery/icp.icp"}, files

    edit = await client.text_document_rename_async(types.RenameParams(text_document=doc, position=at, new_name="headcount"))
    edited = {u.rsplit("/", 2)[-2] + "/" + u.rsplit("/", 1)[-1] for u in edit.changes}
    assert edited == files, edit.changes
