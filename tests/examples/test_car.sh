#!/usr/bin/env bash
# The car example (C, numeric ABI): registered from the build tree, called
# with the arguments and outputs of examples/plugins/car/README.md.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
call 'plugin "car" added (revision 1, functions: link, rank)' \
    --db "$db" plugin add "$BIN/car/car.json"

# link: one key for a pair, whatever the order.
call 12884901895 --db "$db" call link 7 3
call 12884901895 --db "$db" call car.link 3 7
call 4294967295 --db "$db" call link -1 0
call 0 --db "$db" call link 0 0

# rank: minutes to arrival, -1 for a car standing still.
call 2.5 --db "$db" call rank 72 3
call 1.2 --db "$db" call rank 50 1
call -1 --db "$db" call rank 0 3
call "$(printf '{\n  "results": [\n    2.5\n  ]\n}')" \
    --db "$db" --json call rank 72 3

# The config: four instances, both functions numeric.
t 0 --db "$db" plugin show car
out_is_line "instances    4 total, 0 busy, 4 idle"
out_is_line "  link             numeric  (i32, i32) -> (i64)"
out_is_line "  rank             numeric  (f64, f64) -> (f64)"
out_is_line "    \"path\": \"$BIN/car/car.wasm\""
call "car: ok" --db "$db" plugin check car

# Refused calls: the numbers must fit the wasm types exactly.
t 2 --db "$db" call link 1.5 2
err_has "1.5 does not fit i32 exactly"
t 2 --db "$db" call rank 1
err_has "expected 2 arguments, got 1"

# The committed config, as a user copies it beside the module.
user_copy car car.json car.wasm
call 'plugin "car" added (revision 1, functions: link, rank)' \
    --db "$WORK/user.db" plugin add "$WORK/user/car.json"
call 12884901895 --db "$WORK/user.db" call link 7 3

finish
