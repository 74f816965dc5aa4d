-- Editing .icp files: `//` comments (`///` for doc comments), two-space indent.
vim.bo.commentstring = "// %s"
vim.bo.comments = ":///,://"
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.expandtab = true
vim.b.undo_ftplugin = "setlocal commentstring< comments< shiftwidth< softtabstop< expandtab<"
