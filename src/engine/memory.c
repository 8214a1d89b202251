/*
 * Linear memory. On 64-bit hosts the whole reachable range (the effective
 * maximum plus a guard region) is reserved up front as inaccessible address
 * space, and pages are made read/write as the memory grows: the base never
 * moves, growing is one mprotect, and a guard-page mode can later rely on
 * the reservation. Where the reservation fails (32-bit hosts, address space
 * limits), the memory falls back to a plain heap block resized by realloc.
 */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Inaccessible bytes kept after the maximum size, so that an access just
 * past the end faults instead of touching a neighbouring mapping. */
#define WXI_MEMORY_GUARD ((size_t)WXM_PAGE_SIZE)

static uint32_t effective_max(wx_limits limits, uint32_t cap_pages)
{
    uint64_t max = WXM_MAX_PAGES;
    if (limits.has_max && limits.max < max)
        max = limits.max;
    if (cap_pages && cap_pages < max)
        max = cap_pages;
    return (uint32_t)max;
}

/* Reserves address space for `max_pages` and commits `pages`. Returns false
 * when the reservation is not possible, leaving `mem` untouched. */
static bool reserve(wx_memory *mem, uint32_t pages, uint32_t max_pages)
{
    uint64_t bytes = (uint64_t)max_pages * WXM_PAGE_SIZE + WXI_MEMORY_GUARD;
    if (bytes > SIZE_MAX / 2)
        return false;
    void *p = mmap(NULL, (size_t)bytes, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    size_t used = (size_t)pages * WXM_PAGE_SIZE;
    if (used && mprotect(p, used, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, (size_t)bytes);
        return false;
    }
    mem->data = p;
    mem->reserved = (size_t)bytes;
    return true;
}

wx_status wxi_memory_init(wx_memory *mem, wx_limits limits, uint32_t cap_pages,
                          wx_budget *budget, wx_error *err)
{
    /* A 64-bit memory may declare up to 2^48 pages, but it is given at
     * most what a 32-bit one may have (effective_max): 4 GiB, one
     * reservation as for any memory, and a grow past it gives -1. */
    uint64_t range = limits.addr64 ? WXM_MAX_PAGES64 : WXM_MAX_PAGES;
    if (limits.min > range ||
        (limits.has_max && (limits.max > range || limits.max < limits.min)))
        return wx_error_set(err, WX_EARG, "invalid memory limits");
    if (limits.min > WXM_MAX_PAGES)
        return wx_error_set(err, WX_ELIMIT,
                            "memory needs %llu pages, more than the "
                            "engine's maximum of %u pages (4 GiB) for any "
                            "memory",
                            (unsigned long long)limits.min, WXM_MAX_PAGES);
    uint32_t max_pages = effective_max(limits, cap_pages);
    if (limits.min > max_pages)
        return wx_error_set(err, WX_ELIMIT,
                            "memory needs %llu pages, the limit is %u",
                            (unsigned long long)limits.min, cap_pages);
    uint32_t pages = (uint32_t)limits.min;
    uint64_t charge = (uint64_t)pages * WXM_PAGE_SIZE;
    if (!wx_budget_charge(budget, charge)) {
        wx_budget_stats bs;
        wx_budget_stats_get(budget, &bs);
        return wx_error_set(err, WX_ELIMIT,
                            "memory budget: the memory needs %llu bytes "
                            "(%u pages), %llu of the budget's %llu are in "
                            "use",
                            (unsigned long long)charge, pages,
                            (unsigned long long)bs.used,
                            (unsigned long long)bs.limit);
    }
    mem->limits = limits;
    mem->max_pages = max_pages;
    if (!reserve(mem, pages, max_pages)) {
        size_t bytes = (size_t)pages * WXM_PAGE_SIZE;
        if ((uint64_t)pages * WXM_PAGE_SIZE > SIZE_MAX) {
            wx_budget_credit(budget, charge);
            return wx_error_set(err, WX_ENOMEM, "memory too large");
        }
        mem->data = calloc(bytes ? bytes : 1, 1);
        if (!mem->data) {
            wx_budget_credit(budget, charge);
            return wx_error_set(err, WX_ENOMEM, "cannot allocate %u pages",
                                pages);
        }
        mem->reserved = 0;
    }
    mem->budget = budget;
    mem->pages = pages;
    mem->size = (uint64_t)pages * WXM_PAGE_SIZE;
    return WX_OK;
}

void wxi_memory_release(wx_memory *mem)
{
    if (!mem->data)
        return;
    if (mem->reserved)
        munmap(mem->data, mem->reserved);
    else
        free(mem->data);
    mem->data = NULL;
    wx_budget_credit(mem->budget, mem->size);
    mem->budget = NULL;
}

int64_t wxi_memory_grow(wx_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    if (delta == 0)
        return old;
    if ((uint64_t)old + delta > mem->max_pages)
        return -1;
    uint64_t new_size = (uint64_t)(old + delta) * WXM_PAGE_SIZE;
    /* The budget first: a grow it refuses is -1, like one past the
     * maximum, and costs nothing. */
    uint64_t charge = new_size - mem->size;
    if (!wx_budget_charge(mem->budget, charge))
        return -1;
    if (mem->reserved) {
        /* The reservation covers max_pages, so this never moves the base;
         * fresh anonymous pages read as zero. */
        if (mprotect(mem->data + mem->size, (size_t)(new_size - mem->size),
                     PROT_READ | PROT_WRITE) != 0) {
            wx_budget_credit(mem->budget, charge);
            return -1;
        }
    } else {
        uint8_t *p = new_size > SIZE_MAX
                         ? NULL
                         : realloc(mem->data, (size_t)new_size);
        if (!p) {
            wx_budget_credit(mem->budget, charge);
            return -1;
        }
        memset(p + mem->size, 0, (size_t)(new_size - mem->size));
        mem->data = p;
    }
    mem->pages = old + delta;
    mem->size = new_size;
    return old;
}

wx_memory *wx_memory_new(wx_limits limits, wx_error *err)
{
    wx_memory *mem = calloc(1, sizeof *mem);
    if (!mem) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    if (wxi_memory_init(mem, limits, 0, NULL, err) != WX_OK) {
        free(mem);
        return NULL;
    }
    mem->standalone = true;
    return mem;
}

uint8_t *wx_memory_data(wx_memory *mem)
{
    return mem->data;
}

uint64_t wx_memory_size(const wx_memory *mem)
{
    return mem->size;
}

uint32_t wx_memory_pages(const wx_memory *mem)
{
    return mem->pages;
}

static bool in_bounds(const wx_memory *mem, uint64_t offset, size_t len)
{
    return offset <= mem->size && len <= mem->size - offset;
}

wx_status wx_memory_read(const wx_memory *mem, uint64_t offset, void *buf,
                         size_t len, wx_error *err)
{
    if (!in_bounds(mem, offset, len))
        return wx_error_set(err, WX_EARG,
                            "memory read of %zu bytes at 0x%llx is outside "
                            "the memory (%llu bytes)",
                            len, (unsigned long long)offset,
                            (unsigned long long)mem->size);
    if (len)
        memcpy(buf, mem->data + offset, len);
    return WX_OK;
}

wx_status wx_memory_write(wx_memory *mem, uint64_t offset, const void *buf,
                          size_t len, wx_error *err)
{
    if (!in_bounds(mem, offset, len))
        return wx_error_set(err, WX_EARG,
                            "memory write of %zu bytes at 0x%llx is outside "
                            "the memory (%llu bytes)",
                            len, (unsigned long long)offset,
                            (unsigned long long)mem->size);
    if (len)
        memcpy(mem->data + offset, buf, len);
    return WX_OK;
}

int64_t wx_memory_grow(wx_memory *mem, uint32_t delta)
{
    return wxi_memory_grow(mem, delta);
}
