#!/usr/bin/env bash
# The math example (WAT, numeric ABI), and its config's timeout.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
call 'plugin "math" added (revision 1, functions: fib, gcd)' \
    --db "$db" plugin add "$BIN/math/math.json"

call 55 --db "$db" call fib 10
call 0 --db "$db" call fib 0
call 2880067194370816120 --db "$db" call math.fib 90
call 12 --db "$db" call gcd 84 -36
call 21 --db "$db" call gcd 1071 462
call 0 --db "$db" call gcd 0 0
call 2 --db "$db" call gcd -9223372036854775808 6

# fib of two billion takes longer than the config's 1000 ms.
t 1 --db "$db" call fib 2000000000
err_has "timeout"
t 2 --db "$db" call fib 4294967296
err_has "does not fit i32 exactly"

call "math: ok" --db "$db" plugin check math

user_copy math math.json math.wasm
call 'plugin "math" added (revision 1, functions: fib, gcd)' \
    --db "$WORK/user.db" plugin add "$WORK/user/math.json"
call 55 --db "$WORK/user.db" call fib 10

finish
