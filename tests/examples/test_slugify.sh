#!/usr/bin/env bash
# The slugify example (AssemblyScript, cstring ABI): strings in and out
# through the module's malloc and free.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
call 'plugin "text" added (revision 1, functions: slugify, count_words)' \
    --db "$db" plugin add "$BIN/slugify/slugify.json"

call creme-brulee-2-recipes \
    --db "$db" call slugify 'Crème Brûlée: 2 Recipes!'
call hello-world-wasm-ext \
    --db "$db" call slugify '  Hello, World!  wasm ext '
call aeroskobing-strasse-42 \
    --db "$db" call text.slugify 'Ærøskøbing × Straße 42'
# Letters outside Latin-1 separate words, like punctuation.
call a-b --db "$db" call slugify 'a 😀 日本 b'
call "" --db "$db" call slugify '!?'
call 4 --db "$db" call count_words 'Hello, World!  wasm ext'
call 0 --db "$db" call count_words '   '
call "$(printf '{\n  "results": [\n    "wasm-ext"\n  ]\n}')" \
    --db "$db" --json call slugify 'WASM Ext'
# A 100 KB argument (200 KB as a UTF-16 string inside): the module's
# memory has to grow.
long=$(printf 'word %.0s' $(seq 1 20000))
call 20000 --db "$db" call count_words "$long"

t 0 --db "$db" plugin show text
out_is_line "  slugify          cstring  (i32) -> (i32)"
out_is_line "  count_words      cstring  (i32) -> (i32)"
call "text: ok" --db "$db" plugin check text

user_copy slugify slugify.json slugify.wasm
call 'plugin "text" added (revision 1, functions: slugify, count_words)' \
    --db "$WORK/user.db" plugin add "$WORK/user/slugify.json"
call creme-brulee-2-recipes --db "$WORK/user.db" call slugify \
    'Crème Brûlée: 2 Recipes!'

finish
