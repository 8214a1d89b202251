# Summarises framework_bench_manager's output (bench/framework.sh): the
# framework's overhead per call over the raw baseline of the same work
# (issue 3's target: at most 100 ns for a numeric call, under 1 us for a
# 100-byte bindgen string call) and the scaling from 1 to 2 threads: wall
# time per call with one thread over wall time per call with two (2.0 is
# linear), next to the raw baseline's own scaling in the same run (on a
# shared 2-CPU machine the baseline shows how much CPU there was). Input:
#   add, 1 thread: wx_fn_call   cpu  59.5 ns (  +49.5)  wall  59.8 ns ...
/ threads?: / && / cpu / && / wall / {
    split($0, head, ": ")
    work = head[1]
    sub(/, [0-9]+ threads?$/, "", work)
    threads = head[1]
    sub(/^.*, /, "", threads)
    sub(/ .*/, "", threads)
    path = head[2]
    sub(/ +cpu .*$/, "", path)
    for (i = 1; i <= NF; i++) {
        if ($i == "cpu") cpu = $(i + 1)
        if ($i == "wall") wall = $(i + 1)
    }
    over = $0
    sub(/^.*\( */, "", over)
    sub(/\).*$/, "", over)
    key = work SUBSEP threads SUBSEP path
    cpus[key] = cpu; walls[key] = wall; overs[key] = over + 0
    if (path ~ /\(raw\)/) base[work] = path
    if (!(work in seen)) { seen[work] = 1; order[++n] = work }
}
function target(w, p) {
    if (w ~ /^bindgen/) return " (target < 1000 ns in all)"
    if (w == "add" && p == "wx_fn_call") return " (target <= 100)"
    return ""
}
END {
    for (k = 1; k <= n; k++) {
        w = order[k]
        split("wx_fn_call wx_fn_call_values", paths, " ")
        for (q = 1; q <= 2; q++) {
            p = paths[q]
            for (t = 1; t <= 2; t++) {
                key = w SUBSEP t SUBSEP p
                if (key in cpus)
                    printf "%s, %d thread%s: %s %.1f ns, %+.1f ns over " \
                           "%s%s\n", w, t, (t > 1 ? "s" : ""), p,
                           cpus[key], overs[key], base[w], target(w, p)
            }
            k1 = w SUBSEP 1 SUBSEP p
            k2 = w SUBSEP 2 SUBSEP p
            r1 = w SUBSEP 1 SUBSEP base[w]
            r2 = w SUBSEP 2 SUBSEP base[w]
            if ((k1 in walls) && (k2 in walls) && walls[k2] > 0)
                printf "%s, scaling 1 -> 2 threads (2.0 is linear): %s " \
                       "%.2fx; %s %.2fx in the same run\n", w, p,
                       walls[k1] / walls[k2], base[w],
                       ((r2 in walls) && walls[r2] > 0 ? \
                        walls[r1] / walls[r2] : 0)
        }
    }
}
