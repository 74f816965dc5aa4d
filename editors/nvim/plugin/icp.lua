-- Starts icp-lsp for .icp buffers. Neovim 0.11+: `vim.lsp.enable` with the
-- config in lsp/icp_lsp.lua (override it with `vim.lsp.config("icp_lsp", {...})`).
-- Neovim 0.8 to 0.10: a FileType autocommand with `vim.lsp.start`.
if vim.g.loaded_icp_lsp then
  return
end
vim.g.loaded_icp_lsp = true

local group = vim.api.nvim_create_augroup("icp_lsp", { clear = true })

-- Said once, and only when an .icp file is opened, not at every start.
local function warn_on_icp(message)
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "icp",
    group = group,
    once = true,
    callback = function()
      vim.notify_once("icp: " .. message, vim.log.levels.WARN)
    end,
  })
end

local missing = "`%s` is not installed or not on your PATH, so .icp files get no diagnostics, "
  .. "hover or completion; see editors/nvim/README.md"

-- Code lenses (whether each test passes, how the sample accounts fall into
-- tiers) are only shown when asked for: on opening, saving and returning to
-- the buffer.
if vim.fn.has("nvim-0.8") == 1 then
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if not client or client.name ~= "icp_lsp" then
        return
      end
      local buf = args.buf
      local function refresh()
        if vim.api.nvim_get_current_buf() == buf then
          vim.lsp.codelens.refresh({ bufnr = buf })
        end
      end
      vim.api.nvim_create_autocmd({ "BufEnter", "BufWritePost" }, { group = group, buffer = buf, callback = refresh })
      refresh()
    end,
  })
end

if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
  vim.lsp.enable("icp_lsp")
  -- vim.lsp.enable is silent when the program is missing; say why nothing happens.
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "icp",
    group = group,
    callback = function()
      local cmd = (vim.lsp.config.icp_lsp or {}).cmd
      if type(cmd) == "table" and vim.fn.executable(cmd[1]) == 0 then
        vim.notify_once("icp: " .. missing:format(cmd[1]), vim.log.levels.WARN)
      end
    end,
  })
  return
end

if vim.lsp.start == nil then
  warn_on_icp("the language server needs Neovim 0.8 or newer; this one has highlighting and comments only")
  return
end

local config = dofile(vim.api.nvim_get_runtime_file("lsp/icp_lsp.lua", false)[1])
vim.api.nvim_create_autocmd("FileType", {
  pattern = "icp",
  group = group,
  callback = function(args)
    if vim.fn.executable(config.cmd[1]) == 0 then
      vim.notify_once("icp: " .. missing:format(config.cmd[1]), vim.log.levels.WARN)
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
