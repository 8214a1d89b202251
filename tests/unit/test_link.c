/*
 * The linker and import matching. Modules here are built by hand (white
 * box) so that these tests need no decoder, validator or compiler: one
 * import of the kind under test, instantiated against linkers holding
 * matching and mismatching externs.
 */
#include "check.h"
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

static wx_limits lim(uint64_t min, bool has_max, uint64_t max)
{
    wx_limits l = {.min = min, .max = max, .has_max = has_max};
    return l;
}

static wx_status nop_host(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    (void)env;
    (void)results;
    return WX_OK;
}

/* A module with no code, only what the test fills in. */
static wx_module *empty_module(void)
{
    wx_module *m = calloc(1, sizeof *m);
    wxm_arena_init(&m->arena);
    m->bytes = malloc(1);
    return m;
}

static void add_import(wx_module *m, const char *mod, const char *name,
                       wx_externkind kind, uint32_t index)
{
    wxm_import *imps =
        wxm_arena_calloc(&m->arena, m->nimports + 1, sizeof *imps);
    if (m->nimports)
        memcpy(imps, m->imports, m->nimports * sizeof *imps);
    imps[m->nimports].module = wxm_arena_strndup(&m->arena, mod, strlen(mod));
    imps[m->nimports].name = wxm_arena_strndup(&m->arena, name, strlen(name));
    imps[m->nimports].kind = kind;
    imps[m->nimports].index = index;
    m->imports = imps;
    m->nimports++;
}

static const wx_valtype i32_i64[] = {WX_I32, WX_I64};
static const wx_valtype f32_1[] = {WX_F32};

/* (import "env" "f" (func (param i32 i64) (result f32))) */
static wx_module *func_import_module(void)
{
    wx_module *m = empty_module();
    m->ntypes = 1;
    m->types = wxm_arena_calloc(&m->arena, 1, sizeof *m->types);
    m->types[0].nparams = 2;
    m->types[0].params = (wx_valtype *)i32_i64;
    m->types[0].nresults = 1;
    m->types[0].results = (wx_valtype *)f32_1;
    m->nfuncs = m->nfunc_imports = 1;
    m->funcs = wxm_arena_calloc(&m->arena, 1, sizeof *m->funcs);
    m->funcs[0].imported = true;
    add_import(m, "env", "f", WX_EXTERN_FUNC, 0);
    return m;
}

/* (import "env" "t" (table min max? elem)) */
static wx_module *table_import_module(wx_valtype elem, wx_limits l)
{
    wx_module *m = empty_module();
    m->ntables = m->ntable_imports = 1;
    m->tables = wxm_arena_calloc(&m->arena, 1, sizeof *m->tables);
    m->tables[0].elem = elem;
    m->tables[0].limits = l;
    add_import(m, "env", "t", WX_EXTERN_TABLE, 0);
    return m;
}

static wx_module *memory_import_module(wx_limits l)
{
    wx_module *m = empty_module();
    m->nmemories = m->nmemory_imports = 1;
    m->memories = wxm_arena_calloc(&m->arena, 1, sizeof *m->memories);
    m->memories[0].limits = l;
    add_import(m, "env", "m", WX_EXTERN_MEMORY, 0);
    return m;
}

static wx_module *global_import_module(wx_valtype t, bool mutable_)
{
    wx_module *m = empty_module();
    m->nglobals = m->nglobal_imports = 1;
    m->globals = wxm_arena_calloc(&m->arena, 1, sizeof *m->globals);
    m->globals[0].type = t;
    m->globals[0].mutable_ = mutable_;
    m->globals[0].imported = true;
    add_import(m, "env", "g", WX_EXTERN_GLOBAL, 0);
    return m;
}

/* Instantiates `m` against `l`; checks the expected status. */
static void expect(const wx_module *m, wx_linker *l, wx_status want,
                   const char *msg_part, int line)
{
    wx_error err;
    wx_error_clear(&err);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    if (want == WX_OK) {
        CHECK_MSG(inst != NULL, "line %d: %s", line, err.message);
    } else {
        CHECK_MSG(inst == NULL && err.status == want, "line %d: %s", line,
                  err.message);
        if (msg_part)
            CHECK_MSG(strstr(err.message, msg_part) != NULL,
                      "line %d: message \"%s\" lacks \"%s\"", line,
                      err.message, msg_part);
    }
    wx_instance_free(inst);
}
#define EXPECT(m, l, want, part) expect(m, l, want, part, __LINE__)

static void test_define_lookup(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_linker *l = wx_linker_new(&err);
    CHECK(l != NULL);
    wx_extern e;
    CHECK(!wx_linker_lookup(l, "env", "x", &e));

    /* Many names, to exercise rehashing. */
    char name[32];
    bool ok = true;
    wx_global *gs[200];
    for (int i = 0; i < 200; i++) {
        gs[i] = wx_global_new(wx_wasm_i32(i), false, &err);
        snprintf(name, sizeof name, "g%d", i);
        wx_extern ext = {.kind = WX_EXTERN_GLOBAL, .of.global = gs[i]};
        ok = ok && wx_linker_define(l, "env", name, ext, &err) == WX_OK;
    }
    CHECK(ok);
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "g%d", i);
        ok = ok && wx_linker_lookup(l, "env", name, &e) &&
             e.kind == WX_EXTERN_GLOBAL && e.of.global == gs[i];
    }
    CHECK(ok);
    /* The module and name are separate keys: "a"."bc" is not "ab"."c". */
    wx_extern ga = {.kind = WX_EXTERN_GLOBAL, .of.global = gs[0]};
    wx_extern gb = {.kind = WX_EXTERN_GLOBAL, .of.global = gs[1]};
    CHECK(wx_linker_define(l, "a", "bc", ga, &err) == WX_OK);
    CHECK(wx_linker_define(l, "ab", "c", gb, &err) == WX_OK);
    CHECK(wx_linker_lookup(l, "a", "bc", &e) && e.of.global == gs[0]);
    CHECK(wx_linker_lookup(l, "ab", "c", &e) && e.of.global == gs[1]);
    CHECK(!wx_linker_lookup(l, "abc", "", &e));
    CHECK(wx_linker_define(l, "", "", ga, &err) == WX_OK);
    CHECK(wx_linker_lookup(l, "", "", &e) && e.of.global == gs[0]);

    /* Redefinition replaces; the old extern stays owned (freed once). */
    CHECK(wx_linker_define(l, "env", "g5", ga, &err) == WX_OK);
    CHECK(wx_linker_lookup(l, "env", "g5", &e) && e.of.global == gs[0]);

    /* A host function through the convenience call. */
    wx_functype ft = {0, 0, NULL, NULL};
    CHECK(wx_linker_define_func(l, "env", "nop", &ft, nop_host, NULL, &err) ==
          WX_OK);
    CHECK(wx_linker_lookup(l, "env", "nop", &e) && e.kind == WX_EXTERN_FUNC);
    CHECK(wx_wasm_func_type(e.of.func)->nparams == 0);

    wx_extern none = {.kind = WX_EXTERN_FUNC, .of.func = NULL};
    CHECK(wx_linker_define(l, "env", "null", none, &err) == WX_EARG);
    wx_linker_free(l); /* valgrind: no leak, no double free */
}

static void test_func_imports(void)
{
    wx_module *m = func_import_module();
    wx_linker *l = wx_linker_new(NULL);
    EXPECT(m, l, WX_EUNLINKABLE, "unknown import \"env\".\"f\"");
    EXPECT(m, NULL, WX_EUNLINKABLE, "unknown import");

    wx_functype good = {2, 1, i32_i64, f32_1};
    wx_functype fewer = {1, 1, i32_i64, f32_1};
    wx_functype noresult = {2, 0, i32_i64, NULL};
    static const wx_valtype i32_i32[] = {WX_I32, WX_I32};
    wx_functype other = {2, 1, i32_i32, f32_1};

    wx_linker_define_func(l, "env", "f", &fewer, nop_host, NULL, NULL);
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible import type");
    wx_linker_define_func(l, "env", "f", &noresult, nop_host, NULL, NULL);
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible import type");
    wx_linker_define_func(l, "env", "f", &other, nop_host, NULL, NULL);
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible import type");
    wx_global *g = wx_global_new(wx_wasm_i32(0), false, NULL);
    wx_linker_define(l, "env", "f",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = g},
                     NULL);
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible import type");
    wx_linker_define_func(l, "env", "f", &good, nop_host, NULL, NULL);
    EXPECT(m, l, WX_OK, NULL);

    /* The import description shows the signature. */
    wx_externdesc d;
    CHECK(wx_module_import_count(m) == 1);
    CHECK(wx_module_import(m, 0, &d));
    CHECK(strcmp(d.module, "env") == 0 && strcmp(d.name, "f") == 0);
    CHECK(d.kind == WX_EXTERN_FUNC && d.func.nparams == 2 &&
          d.func.params[1] == WX_I64 && d.func.nresults == 1 &&
          d.func.results[0] == WX_F32);
    CHECK(!wx_module_import(m, 1, &d));

    /* The instance's function index space holds the very same wx_wasm_func. */
    wx_instance *inst = wx_instantiate(m, l, NULL, NULL);
    wx_extern e;
    wx_linker_lookup(l, "env", "f", &e);
    CHECK(inst && inst->funcs[0] == e.of.func);
    wx_instance_free(inst);
    wx_linker_free(l);
    wx_module_free(m);
}

static void test_table_imports(void)
{
    wx_linker *l = wx_linker_new(NULL);
    wx_table *t = wx_table_new(WX_FUNCREF, lim(10, true, 20), NULL);
    wx_linker_define(l, "env", "t",
                     (wx_extern){.kind = WX_EXTERN_TABLE, .of.table = t},
                     NULL);
    struct {
        wx_valtype elem;
        wx_limits l;
        wx_status want;
    } cases[] = {
        {WX_FUNCREF, {.min = 10}, WX_OK},
        {WX_FUNCREF, {.min = 5}, WX_OK},
        {WX_FUNCREF, {.min = 10, .max = 20, .has_max = true}, WX_OK},
        {WX_FUNCREF, {.min = 0, .max = 30, .has_max = true}, WX_OK},
        {WX_FUNCREF, {.min = 11}, WX_EUNLINKABLE}, /* min too big */
        {WX_FUNCREF, {.min = 10, .max = 15, .has_max = true},
         WX_EUNLINKABLE},                            /* max too small */
        {WX_EXTERNREF, {.min = 10}, WX_EUNLINKABLE}, /* elem type */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wx_module *m = table_import_module(cases[i].elem, cases[i].l);
        EXPECT(m, l, cases[i].want, cases[i].want ? "incompatible" : NULL);
        wx_module_free(m);
    }
    /* The current size counts, not the declared minimum. */
    wx_module *m = table_import_module(WX_FUNCREF, lim(12, false, 0));
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible");
    wxi_table_grow(t, 2, 0);
    EXPECT(m, l, WX_OK, NULL);
    wx_module_free(m);

    /* A table without a maximum never matches a declared maximum. */
    wx_table *t2 = wx_table_new(WX_FUNCREF, lim(10, false, 0), NULL);
    wx_linker_define(l, "env", "t",
                     (wx_extern){.kind = WX_EXTERN_TABLE, .of.table = t2},
                     NULL);
    m = table_import_module(WX_FUNCREF, lim(0, true, 0xffffffffu));
    EXPECT(m, l, WX_EUNLINKABLE, "incompatible");
    wx_module_free(m);
    wx_linker_free(l);
}

static void test_memory_imports(void)
{
    wx_linker *l = wx_linker_new(NULL);
    wx_memory *mem = wx_memory_new(lim(2, true, 4), NULL);
    wx_linker_define(l, "env", "m",
                     (wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem},
                     NULL);
    struct {
        wx_limits l;
        wx_status want;
    } cases[] = {
        {{.min = 1}, WX_OK},
        {{.min = 2, .max = 4, .has_max = true}, WX_OK},
        {{.min = 0, .max = 65536, .has_max = true}, WX_OK},
        {{.min = 3}, WX_EUNLINKABLE},
        {{.min = 2, .max = 3, .has_max = true}, WX_EUNLINKABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wx_module *m = memory_import_module(cases[i].l);
        EXPECT(m, l, cases[i].want, cases[i].want ? "incompatible" : NULL);
        wx_module_free(m);
    }
    wx_module *m = memory_import_module(lim(3, false, 0));
    wx_memory_grow(mem, 1);
    EXPECT(m, l, WX_OK, NULL);
    wx_module_free(m);

    /* Wrong kind. */
    wx_module *g = global_import_module(WX_I32, false);
    wx_linker_define(l, "env", "g",
                     (wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem},
                     NULL);
    EXPECT(g, l, WX_EUNLINKABLE, "expected a global, got a memory");
    wx_module_free(g);
    wx_linker_free(l);
}

static void test_global_imports(void)
{
    wx_linker *l = wx_linker_new(NULL);
    wx_global *gi = wx_global_new(wx_wasm_i32(42), false, NULL);
    wx_global *gm = wx_global_new(wx_wasm_i32(42), true, NULL);
    wx_global *gf = wx_global_new(wx_wasm_f64(1), false, NULL);
    wx_module *imm = global_import_module(WX_I32, false);
    wx_module *mut = global_import_module(WX_I32, true);

    wx_linker_define(l, "env", "g",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = gi},
                     NULL);
    EXPECT(imm, l, WX_OK, NULL);
    EXPECT(mut, l, WX_EUNLINKABLE, "incompatible");
    wx_linker_define(l, "env", "g",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = gm},
                     NULL);
    EXPECT(imm, l, WX_EUNLINKABLE, "incompatible");
    EXPECT(mut, l, WX_OK, NULL);
    wx_linker_define(l, "env", "g",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = gf},
                     NULL);
    EXPECT(imm, l, WX_EUNLINKABLE, "incompatible");

    /* An instance re-exports what it imported: the same global object. */
    wx_linker_define(l, "env", "g",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = gm},
                     NULL);
    mut->nexports = 1;
    mut->exports = wxm_arena_calloc(&mut->arena, 1, sizeof *mut->exports);
    mut->exports[0].name = "g";
    mut->exports[0].name_len = 1;
    mut->exports[0].kind = WX_EXTERN_GLOBAL;
    wx_instance *inst = wx_instantiate(mut, l, NULL, NULL);
    CHECK(inst != NULL);
    wx_extern e;
    CHECK(wx_instance_export(inst, "g", &e) && e.of.global == gm);
    CHECK(!wx_instance_export(inst, "h", &e));
    CHECK(wx_linker_define_instance(l, "M", inst, NULL) == WX_OK);
    CHECK(wx_linker_lookup(l, "M", "g", &e) && e.of.global == gm);
    wx_externdesc d;
    CHECK(wx_module_export_count(mut) == 1 && wx_module_export(mut, 0, &d));
    CHECK(d.module == NULL && d.kind == WX_EXTERN_GLOBAL &&
          d.global_type == WX_I32 && d.global_mutable);

    wx_instance_free(inst);
    wx_module_free(imm);
    wx_module_free(mut);
    wx_linker_free(l);
}

int main(void)
{
    test_define_lookup();
    test_func_imports();
    test_table_imports();
    test_memory_imports();
    test_global_imports();
    return CHECK_DONE();
}
