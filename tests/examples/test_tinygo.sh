#!/usr/bin/env bash
# eKuiper's TinyGo test plugins (shared/fixtures/ekuiper add.zip and
# reduce.zip, unpacked into the build tree) through the configs of
# examples/plugins/tinygo.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
call 'plugin "add" added (revision 1, functions: add)' \
    --db "$db" plugin add "$BIN/tinygo/add.json"
call 'plugin "reduce" added (revision 1, functions: reduce)' \
    --db "$db" plugin add "$BIN/tinygo/reduce.json"

call 42 --db "$db" call add 40 2
call -2 --db "$db" call add -5 3
call 38 --db "$db" call reduce 40 2
call -38 --db "$db" call reduce.reduce 2 40
# i32 arithmetic wraps.
call -2147483648 --db "$db" call add 2147483647 1
t 2 --db "$db" call add 1.5 2
err_has "1.5 does not fit i32 exactly"

t 0 --db "$db" plugin show add
out_is_line "engine       wasmedge (synonym of interp)"
out_is_line "  add              numeric  (i32, i32) -> (i32)"
t 0 --db "$db" plugin check
out_is_line "add: ok"
out_is_line "reduce: ok"

user_copy tinygo add.json add/add.wasm
user_copy tinygo reduce.json reduce/reduce.wasm
call 'plugin "add" added (revision 1, functions: add)' \
    --db "$WORK/user.db" plugin add "$WORK/user/add.json"
call 'plugin "reduce" added (revision 1, functions: reduce)' \
    --db "$WORK/user.db" plugin add "$WORK/user/reduce.json"
call 38 --db "$WORK/user.db" call reduce 40 2

finish
