/*
 * add: the host-to-guest call benchmark's guest, one exported
 * add(i32, i32). What is measured is the embedding API's cost per call.
 */
#include "wl.h"

WL_EXPORT(add) int32_t add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
