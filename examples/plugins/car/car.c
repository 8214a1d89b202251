/*
 * The proposal's example plugin, "car": two functions over a stream of car
 * readings, in plain C, with the numeric calling convention (wasm numbers
 * in, wasm numbers out: nothing to declare in the config).
 *
 *   link(a, b)              -> the key of the pair of cars a and b
 *   rank(speed, distance)   -> minutes until the car is there
 *
 * Built as a WASI reactor (a library without main):
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor \
 *         -Wl,--strip-debug -o car.wasm car.c
 *
 * Every exported function is marked with export_name; the linker keeps
 * exactly those (and memory and _initialize).
 */
#include <stdint.h>

#define WX_EXPORT(name) __attribute__((export_name(name)))

/*
 * link(a, b): one 64-bit key for the pair of cars a and b, the same
 * whichever order they come in, so that readings of two cars travelling
 * together can be grouped by it (GROUP BY link(a, b)). The smaller id goes
 * in the high half; ids are compared as unsigned, like the halves they
 * become.
 */
WX_EXPORT("link") int64_t link(int32_t a, int32_t b)
{
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    uint32_t lo = ua < ub ? ua : ub;
    uint32_t hi = ua < ub ? ub : ua;
    return (int64_t)(((uint64_t)lo << 32) | hi);
}

/*
 * rank(speed, distance): the score a dispatcher sorts cars by, the time
 * in minutes a car at `speed` km/h needs to cover `distance` km (lower is
 * better). A car that is not moving never arrives: -1, which a rule can
 * filter out (WHERE rank(speed, distance) >= 0).
 */
WX_EXPORT("rank") double rank(double speed_kmh, double distance_km)
{
    if (!(speed_kmh > 0.0)) /* also catches NaN */
        return -1.0;
    return distance_km / speed_kmh * 60.0;
}
