" Highlighting for .icp files when the language server's semantic tokens are
" not (yet) there. Keywords are those of icp-lang/src/lexer.rs.
if exists("b:current_syntax")
  finish
endif

syn keyword icpDeclaration import enum schema segment icp persona job
syn keyword icpRule filter exclude signal group tier test
syn keyword icpModifier override drop extends key
syn keyword icpType int number money percent text bool date duration set
syn keyword icpOperator and or not in has is within matches
syn keyword icpBoolean true false
syn keyword icpKeyword from blank fraction display for owner reviewed every points by half_life cap as_of given expect no excluded passes fires silent unknown any all none missing known weight because decay otherwise

syn match icpDate "\<\d\{4}-\d\{2}-\d\{2}\>"
syn match icpNumber "-\=\$\=\<\d[0-9_]*\(\.\d[0-9_]*\)\=[kKMB%]\=\>"
syn match icpNumber "-\=\<\d[0-9_]*\(\.\d[0-9_]*\)\=%"
syn match icpDuration "\<\d[0-9_]*\(d\|w\|mo\|y\)\>"
syn match icpComparison "==\|!=\|<=\|>=\|=>\|\.\.=\="
syn region icpString start=+"+ skip=+\\.+ end=+"\|$+ contains=icpEscape
syn match icpEscape +\\.+ contained
syn match icpComment "//.*$" contains=@Spell
syn match icpDocComment "///.*$" contains=@Spell

hi def link icpDeclaration Keyword
hi def link icpRule Statement
hi def link icpModifier StorageClass
hi def link icpType Type
hi def link icpOperator Operator
hi def link icpBoolean Boolean
hi def link icpKeyword Keyword
hi def link icpDate Constant
hi def link icpNumber Number
hi def link icpDuration Number
hi def link icpComparison Operator
hi def link icpString String
hi def link icpEscape SpecialChar
hi def link icpComment Comment
hi def link icpDocComment SpecialComment

let b:current_syntax = "icp"
