/*
 * diff_run: our side of the differential test (tests/fuzz/differential.py,
 * `make difftest`). It loads one module and, for every exported function,
 * makes a fresh instance (no imports, a fuel budget per call) and calls
 * the function with a few argument vectors, then prints the exported
 * globals, memories and tables that the calls left behind; one line each,
 * in a canonical text form that differential.py compares with what the
 * reference engine (wasmtime) gives for the same module:
 *
 *   load ok | load <status> <message>
 *   instantiate ok | instantiate <outcome>       (the first instance only)
 *   call <export index> <arg vector> "<name>" (<args>) => <outcome>
 *   global <export index> "<name>" <value>
 *   memory <export index> "<name>" <pages> <crc32 of the bytes>
 *   table <export index> "<name>" <size> <non-null elements>
 *
 * A fresh instance per function, and after every call that ran out of
 * fuel, stack or GC heap, keeps a call stopped midway (here, maybe not there) from
 * making the state that later calls see differ; a module without exported
 * functions gets one instance and its state lines.
 *
 * An outcome is the results (`i32:0x2a f64:0x...`, empty for none), or
 * `trap <kind>`, or `fuel` (the budget ran out), `stack` (the call stack
 * was exhausted) or `gc_heap` (the GC heap was): the last three are
 * "inconclusive" for differential.py, since the two engines count fuel,
 * stack and heap differently. The arguments
 * are printed too, as the same typed bit patterns, so that the reference
 * side calls with exactly these values: this program is the one place
 * where they are chosen (arg_value below).
 *
 * Values are printed as their bits, NaNs too: the modules are generated
 * with `wasm-tools smith --canonicalize-nans`, so every NaN an arithmetic
 * operation makes is replaced by the canonical one and the others (loads,
 * reinterpretations, constants, fneg/fabs/copysign) are exact by the spec.
 *
 * Only the public engine API (wasmext/engine.h) is used.
 *
 *   diff_run [--fuel N] MODULE.wasm
 *
 * Exit status 0 whatever the module does; 2 for a usage error or a file
 * that cannot be read.
 */
#include <wasmext/engine.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Argument vectors per function: vector 0 is all zeros, the others take
 * each argument from the per-type tables below, one vector per entry. */
#define DIFF_ARG_VECTORS 7
/* Bounds the reference side applies the same way (differential.py):
 * every memory and table an instance defines stays within these, so a
 * grow past them gives -1 on both sides. */
#define DIFF_MAX_PAGES 256u
#define DIFF_DEFAULT_FUEL 100000u

/* ------------------------------------------------------------ arguments */

/* Fixed values per type, chosen to reach edges: signs, the smallest and
 * largest integers, float infinities, -0 and a NaN. */
static const uint32_t i32_values[] = {1u,          0xffffffffu, 0x80000000u,
                                      0x7fffffffu, 7u,          0x10000u};
static const uint64_t i64_values[] = {
    1u, 0xffffffffffffffffu, 0x8000000000000000u, 0x7fffffffffffffffu,
    7u, 0x100000000u};
static const uint32_t f32_values[] = {0x3f800000u, 0xbf000000u, 0x7f800000u,
                                      0x80000000u, 0x7fc00000u, 0x4f000000u};
static const uint64_t f64_values[] = {
    0x3ff0000000000000u, 0xbfe0000000000000u, 0x7ff0000000000000u,
    0x8000000000000000u, 0x7ff8000000000000u, 0x41e0000000000000u};
#define DIFF_NVALUES (sizeof i32_values / sizeof i32_values[0])

/* Argument `j` of vector `k`: zero in vector 0, else table entry
 * k - 1 + j (wrapping): each argument takes every value of its type over
 * the vectors, and the arguments of one call differ. */
static wx_wasm_val arg_value(wx_valtype t, unsigned k, unsigned j)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    if (k == 0)
        return v;
    size_t at = (k - 1 + j) % DIFF_NVALUES;
    switch (t) {
    case WX_I32: v.of.i32 = (int32_t)i32_values[at]; break;
    case WX_I64: v.of.i64 = (int64_t)i64_values[at]; break;
    case WX_F32: memcpy(&v.of.f32, &f32_values[at], 4); break;
    case WX_F64: memcpy(&v.of.f64, &f64_values[at], 8); break;
    default: /* references: null, the only one we can make without imports */
        break;
    }
    return v;
}

/* ---------------------------------------------------------------- output */

/* A value as its bits, NaNs included (differential.py decides which NaN
 * bits must agree). */
static void print_value(const wx_wasm_val *v)
{
    uint32_t b32;
    uint64_t b64;
    switch (v->type) {
    case WX_I32: printf("i32:0x%" PRIx32, (uint32_t)v->of.i32); break;
    case WX_I64: printf("i64:0x%" PRIx64, (uint64_t)v->of.i64); break;
    case WX_F32:
        memcpy(&b32, &v->of.f32, 4);
        printf("f32:0x%" PRIx32, b32);
        break;
    case WX_F64:
        memcpy(&b64, &v->of.f64, 8);
        printf("f64:0x%" PRIx64, b64);
        break;
    case WX_FUNCREF: printf("funcref:%s", v->of.func ? "func" : "null"); break;
    case WX_EXTERNREF:
        printf("externref:%s", v->of.ext ? "extern" : "null");
        break;
    default: printf("%s:?", wx_valtype_name(v->type)); break;
    }
}

/* Export names may hold any UTF-8, spaces and U+0000 included, or be
 * empty: printed in quotes with %XX escapes so that each is one field. */
static void print_name(const char *name, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c > 0x20 && c < 0x7f && c != '%' && c != '"')
            putchar(c);
        else
            printf("%%%02X", c);
    }
    putchar('"');
}

static bool out_of_stack(const wx_error *err)
{
    return err->status == WX_ETRAP && err->trap == WX_TRAP_STACK_EXHAUSTED;
}

static bool out_of_fuel(const wx_error *err)
{
    return err->status == WX_ELIMIT && strstr(err->message, "fuel");
}

/* Out of GC heap: a resource limit, which each engine sets its own way. */
static bool out_of_gc_heap(const wx_error *err)
{
    return err->status == WX_ETRAP && err->trap == WX_TRAP_GC_HEAP;
}

/* What a failed call or instantiation ended in, in differential.py's
 * words: fuel and stack are inconclusive; everything else must agree. */
static void print_failure(const wx_error *err)
{
    if (out_of_stack(err))
        printf("stack");
    else if (out_of_fuel(err))
        printf("fuel");
    else if (out_of_gc_heap(err))
        printf("gc_heap");
    else if (err->status == WX_ETRAP)
        printf("trap %s", wx_trap_name(err->trap));
    else
        printf("%s", wx_status_name(err->status));
}

/* The zlib CRC-32, which Python's zlib.crc32 computes on the other side;
 * a table of 256 entries since memories reach 16 MiB. */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int b = 0; b < 8; b++)
                c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
            table[i] = c;
        }
    }
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xffu];
    return ~crc;
}

/* ----------------------------------------------------------------- steps */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "diff_run: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf && (n += fread(buf + n, 1, cap - n, f)) == cap) {
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "diff_run: %s: cannot read\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The value types both drivers pass and print. wasmtime's Python API
 * aborts the process when it so much as names another (v128, exnref, and
 * every GC or typed reference but (ref null func) and (ref null extern):
 * "not implemented" in wasmtime's C API), so an export that takes,
 * returns or holds one is "skipped" on both sides: differential.py then
 * leaves it alone. The code inside the other functions still uses those
 * types freely. */
static bool passable(wx_valtype t)
{
    switch (t) {
    case WX_I32:
    case WX_I64:
    case WX_F32:
    case WX_F64:
    case WX_FUNCREF:
    case WX_EXTERNREF: return true;
    default: return false;
    }
}

static bool callable(const wx_functype *t)
{
    for (uint32_t j = 0; j < t->nparams; j++)
        if (!passable(t->params[j]))
            return false;
    for (uint32_t j = 0; j < t->nresults; j++)
        if (!passable(t->results[j]))
            return false;
    return true;
}

/* One call of export `index` with argument vector `k`. The fuel is set
 * again before each call, so that every call has the same budget whatever
 * the calls before it used. True if the call was inconclusive (out of
 * fuel or stack). */
static bool call_one(wx_instance *inst, const wx_externdesc *d, uint32_t index,
                     unsigned k, uint64_t fuel)
{
    wx_extern ext;
    wx_wasm_val args[64], results[64];
    const wx_functype *t = &d->func;
    if (t->nparams > 64 || t->nresults > 64 ||
        !wx_instance_export_at(inst, index, &ext)) {
        printf("call %" PRIu32 " %u ? => skipped\n", index, k);
        return false;
    }
    printf("call %" PRIu32 " %u ", index, k);
    print_name(d->name, d->name_len);
    printf(" (");
    for (uint32_t j = 0; j < t->nparams; j++) {
        args[j] = arg_value(t->params[j], k, j);
        if (j)
            putchar(' ');
        print_value(&args[j]);
    }
    printf(") =>");
    if (!callable(t)) {
        printf(" skipped\n");
        fflush(stdout);
        return false;
    }
    wx_instance_set_fuel(inst, fuel);
    wx_error err;
    wx_error_clear(&err);
    bool inconclusive = false;
    if (wx_call(ext.of.func, args, t->nparams, results, t->nresults, &err) !=
        WX_OK) {
        printf(" ");
        print_failure(&err);
        inconclusive =
            out_of_fuel(&err) || out_of_stack(&err) || out_of_gc_heap(&err);
    } else {
        for (uint32_t j = 0; j < t->nresults; j++) {
            printf(" ");
            print_value(&results[j]);
        }
    }
    printf("\n");
    fflush(stdout);
    return inconclusive;
}

/* Elements of a table that are not null: which function each holds is
 * not comparable between engines, whether it holds one is. */
static uint32_t non_null(const wx_table *t)
{
    uint32_t n = 0, size = wx_table_size(t);
    for (uint32_t i = 0; i < size; i++) {
        wx_wasm_val v;
        if (wx_table_get(t, i, &v) &&
            (v.type == WX_FUNCREF ? v.of.func != NULL : v.of.ext != NULL))
            n++;
    }
    return n;
}

/* The state a run leaves behind, in export order. */
static void print_state(wx_instance *inst, const wx_module *m)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        wx_extern ext;
        if (!wx_module_export(m, i, &d) ||
            !wx_instance_export_at(inst, i, &ext))
            continue;
        if (d.kind == WX_EXTERN_GLOBAL) {
            wx_wasm_val v = wx_global_get(ext.of.global);
            printf("global %" PRIu32 " ", i);
            print_name(d.name, d.name_len);
            printf(" ");
            /* The declared type, not the value's: a typed reference's
             * value carries its family's top type (funcref), but naming
             * the global's own type aborts wasmtime-py. */
            if (passable(d.global_type))
                print_value(&v);
            else
                printf("skipped");
            printf("\n");
        } else if (d.kind == WX_EXTERN_MEMORY) {
            wx_memory *mem = ext.of.memory;
            printf("memory %" PRIu32 " ", i);
            print_name(d.name, d.name_len);
            printf(" %" PRIu32 " 0x%08" PRIx32 "\n", wx_memory_pages(mem),
                   crc32_of(wx_memory_data(mem), wx_memory_size(mem)));
        } else if (d.kind == WX_EXTERN_TABLE) {
            printf("table %" PRIu32 " ", i);
            print_name(d.name, d.name_len);
            if (passable(d.elem))
                printf(" %" PRIu32 " %" PRIu32 "\n",
                       wx_table_size(ext.of.table), non_null(ext.of.table));
            else
                printf(" %" PRIu32 " skipped\n", wx_table_size(ext.of.table));
        }
    }
}

/* A fresh instance of `m`, or NULL after printing why not when `first`
 * (later instances fail as the first did, or not at all). */
static wx_instance *instance_new(const wx_module *m, uint64_t fuel, bool first)
{
    wx_error err;
    wx_error_clear(&err);
    wx_instance_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.max_memory_pages = DIFF_MAX_PAGES;
    opts.fuel = fuel;
    wx_instance *inst = wx_instantiate(m, NULL, &opts, &err);
    if (first) {
        printf("instantiate ");
        if (inst)
            printf("ok");
        else
            print_failure(&err);
        printf("\n");
    }
    return inst;
}

static void run(const uint8_t *bytes, size_t len, uint64_t fuel)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    if (!m) {
        printf("load %s %s\n", wx_status_name(err.status), err.message);
        return;
    }
    printf("load ok\n");
    bool first = true, any = false;
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i <= n; i++) {
        wx_externdesc d;
        bool func =
            i < n && wx_module_export(m, i, &d) && d.kind == WX_EXTERN_FUNC;
        /* After the exports: one instance for the state alone if no
         * function made one. */
        if (!func && (i < n || any))
            continue;
        wx_instance *inst = instance_new(m, fuel, first);
        first = false;
        any = true;
        if (!inst)
            break;
        for (unsigned k = 0; func && inst && k < DIFF_ARG_VECTORS; k++) {
            /* A call stopped midway leaves a state the other engine need
             * not share: the next call gets a fresh instance (wasmtime's
             * side does the same after its own inconclusive calls). */
            if (call_one(inst, &d, i, k, fuel) && k + 1 < DIFF_ARG_VECTORS) {
                wx_instance_free(inst);
                inst = instance_new(m, fuel, false);
            }
        }
        if (!inst)
            break;
        print_state(inst, m);
        wx_instance_free(inst);
    }
    wx_module_free(m);
}

int main(int argc, char **argv)
{
    uint64_t fuel = DIFF_DEFAULT_FUEL;
    int at = 1;
    if (argc == 4 && strcmp(argv[1], "--fuel") == 0) {
        fuel = strtoull(argv[2], NULL, 10);
        at = 3;
    }
    if (argc != at + 1 || fuel == 0) {
        fprintf(stderr, "usage: diff_run [--fuel N (>0)] MODULE.wasm\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes = read_file(argv[at], &len);
    if (!bytes)
        return 2;
    run(bytes, len, fuel);
    free(bytes);
    return 0;
}
