-- `.icp` files are ICPs (before Neovim 0.8, Lua filetype detection was opt-in).
if vim.fn.has("nvim-0.8") == 1 then
  vim.filetype.add({ extension = { icp = "icp" } })
else
  vim.cmd([[autocmd BufRead,BufNewFile *.icp setfiletype icp]])
end
