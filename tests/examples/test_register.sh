#!/usr/bin/env bash
# examples/plugins/register.sh: every example into one registry, twice
# (the second run finds them unchanged), then one call of each plugin.
# Called as
#
#   bash test_register.sh WASMEXT EXAMPLES_SRC BUILD_DIR WORK_DIR
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=$BIN
db=$WORK/r.db
register() {
    LAST="register.sh $build $db"
    checks=$((checks + 1))
    OUT=$(WASMEXT=$WASMEXT bash "$SRC/register.sh" "$build" "$db" \
        2>"$WORK/.stderr")
    RC=$?
    ERR=$(cat "$WORK/.stderr")
    [ "$RC" == 0 ] || fail "exit $RC; stderr: $ERR"
}

register
out_is_line 'plugin "car" added (revision 1, functions: link, rank)'
out_is_line 'plugin "line" added (revision 1, functions: create_line)'
out_is_line 'plugin "text" added (revision 1, functions: slugify, count_words)'
out_is_line 'plugin "math" added (revision 1, functions: fib, gcd)'
out_is_line 'plugin "add" added (revision 1, functions: add)'
out_is_line 'plugin "reduce" added (revision 1, functions: reduce)'
out_is_line 'plugin "gofn" added (revision 1, functions: celsius_to_f, collatz_steps, rot13, title_case)'
out_is_line "register.sh: 7 registered, 0 skipped, 0 failed (registry $db)"
err_empty

# The second run changes nothing: an identical update keeps the revision.
register
out_is_line 'plugin "car" unchanged (revision 1, functions: link, rank)'
out_is_line 'plugin "line" unchanged (revision 1, functions: create_line)'
out_is_line "register.sh: 7 registered, 0 skipped, 0 failed (registry $db)"
t 0 --db "$db" plugin show car
out_is_line "revision     1"

# Every plugin answers, by its function name alone: no two examples
# export the same name.
call 12884901895 --db "$db" call link 7 3
call 2.5 --db "$db" call rank 72 3
call '{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.0,"desc":"A thin red line"}' \
    --db "$db" call create_line '{"x":2.5,"y":7.8}' '{"x":2.5,"y":5.8}' \
    'A thin red line'
call creme-brulee-2-recipes \
    --db "$db" call slugify 'Crème Brûlée: 2 Recipes!'
call 4 --db "$db" call count_words 'Hello, World!  wasm ext'
call 55 --db "$db" call fib 10
call 12 --db "$db" call gcd 84 -36
call 42 --db "$db" call add 40 2
call 38 --db "$db" call reduce 40 2
call 212 --db "$db" call celsius_to_f 100
call Uryyb --db "$db" call rot13 Hello
t 0 --db "$db" plugin check
for p in car line text math add reduce gofn; do
    out_is_line "$p: ok"
done

# Usage errors.
LAST="register.sh with one argument"
checks=$((checks + 1))
bash "$SRC/register.sh" "$build" >/dev/null 2>&1
[ $? == 2 ] || fail "expected exit 2"

finish
