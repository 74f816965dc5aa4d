-- Starts icp-lsp for .icp buffers. Neovim 0.11+: `vim.lsp.enable` with the
-- config in lsp/icp_lsp.lua (override it with `vim.lsp.config("icp_lsp", {...})`).
-- Neovim 0.9 and 0.10: a FileType autocommand with `vim.lsp.start`.
if vim.g.loaded_icp_lsp then
  return
end
vim.g.loaded_icp_lsp = true

if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
  vim.lsp.enable("icp_lsp")
  return
end

if vim.lsp.start == nil then
  vim.notify_once("icp: the language server needs Neovim 0.8 or newer", vim.log.levels.WARN)
  return
end

local config = dofile(vim.api.nvim_get_runtime_file("lsp/icp_lsp.lua", false)[1])
vim.api.nvim_create_autocmd("FileType", {
  pattern = "icp",
  group = vim.api.nvim_create_augroup("icp_lsp", { clear = true }),
  callback = function(args)
    if vim.fn.executable(config.cmd[1]) == 0 then
      vim.notify_once("icp: `icp-lsp` is not on your PATH; see editors/nvim/README.md", vim.log.levels.WARN)
      return
    end
    local file = vim.api.nvim_buf_get_name(args.buf)
    local marker = vim.fs.find(config.root_markers, { upward = true, path = vim.fs.dirname(file) })[1]
    vim.lsp.start({
      name = "icp_lsp",
      cmd = config.cmd,
      root_dir = marker and vim.fs.dirname(marker) or vim.fs.dirname(file),
    }, { bufnr = args.buf })
  end,
})
