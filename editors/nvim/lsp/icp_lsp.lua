-- The icp language server, for Neovim 0.11's `vim.lsp.config` (this file is
-- found on the runtimepath as the config named `icp_lsp`).
return {
  cmd = { "icp-lsp" },
  filetypes = { "icp" },
  -- A product folder has an icp.toml; the outermost one is the project root.
  root_markers = { "icp.toml", ".git" },
}
