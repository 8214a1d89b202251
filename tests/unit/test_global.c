/*
 * v128 globals (issue 15): a v128 global holds all 16 bytes. Modules are
 * compiled from the WebAssembly text in the comments with wat2wasm
 * (wabt 1.0.32); every byte is checked through the public API against the
 * lanes the text gives, written out in the test in memory order.
 */
#include "check.h"
#include "load.h"

#include <string.h>

/*
 * (module
 *   (global (export "ones") v128 (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1
 *                                                  -1 -1 -1 -1 -1 -1 -1 -1))
 *   (global (export "bytes") v128
 *     (v128.const i8x16 0x01 0x23 0x45 0x67 0x89 0xab 0xcd 0xef
 *                       0xfe 0xdc 0xba 0x98 0x76 0x54 0x32 0x10))
 *   (global (export "i32x4") v128 (v128.const i32x4 1 2 3 4))
 *   (global (export "f64x2") v128 (v128.const f64x2 1.5 -2))
 *   (global (export "zero") v128 (v128.const i64x2 0 0))
 *   (global (export "mut") (mut v128)
 *     (v128.const i16x8 1 -1 2 -2 3 -3 4 -4)))
 */
static const uint8_t m1_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x7f, 0x06, 0x7b,
    0x00, 0xfd, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0b, 0x7b, 0x00, 0xfd, 0x0c,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
    0x76, 0x54, 0x32, 0x10, 0x0b, 0x7b, 0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
    0x00, 0x0b, 0x7b, 0x00, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xf8, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0b, 0x7b,
    0x00, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x7b, 0x01, 0xfd, 0x0c,
    0x01, 0x00, 0xff, 0xff, 0x02, 0x00, 0xfe, 0xff, 0x03, 0x00, 0xfd, 0xff,
    0x04, 0x00, 0xfc, 0xff, 0x0b, 0x07, 0x2d, 0x06, 0x04, 0x6f, 0x6e, 0x65,
    0x73, 0x03, 0x00, 0x05, 0x62, 0x79, 0x74, 0x65, 0x73, 0x03, 0x01, 0x05,
    0x69, 0x33, 0x32, 0x78, 0x34, 0x03, 0x02, 0x05, 0x66, 0x36, 0x34, 0x78,
    0x32, 0x03, 0x03, 0x04, 0x7a, 0x65, 0x72, 0x6f, 0x03, 0x04, 0x03, 0x6d,
    0x75, 0x74, 0x03, 0x05,
};

/*
 * (module
 *   (import "host" "v" (global $v v128))
 *   (import "host" "mv" (global $mv (mut v128)))
 *   (global (export "copy") v128 (global.get $v))
 *   (global (export "after") i32 (i32.const 7))
 *   (export "v" (global $v))
 *   (export "mv" (global $mv)))
 */
static const uint8_t m2_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x16, 0x02, 0x04,
    0x68, 0x6f, 0x73, 0x74, 0x01, 0x76, 0x03, 0x7b, 0x00, 0x04, 0x68, 0x6f,
    0x73, 0x74, 0x02, 0x6d, 0x76, 0x03, 0x7b, 0x01, 0x06, 0x0b, 0x02, 0x7b,
    0x00, 0x23, 0x00, 0x0b, 0x7f, 0x00, 0x41, 0x07, 0x0b, 0x07, 0x19, 0x04,
    0x04, 0x63, 0x6f, 0x70, 0x79, 0x03, 0x02, 0x05, 0x61, 0x66, 0x74, 0x65,
    0x72, 0x03, 0x03, 0x01, 0x76, 0x03, 0x00, 0x02, 0x6d, 0x76, 0x03, 0x01,
};

/*
 * (module
 *   (global $g v128 (v128.const i64x2 1 2))
 *   (func (export "f") (global.get $g) drop))
 */
static const uint8_t m3_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x06, 0x16, 0x01, 0x7b, 0x00, 0xfd,
    0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00,
    0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x23, 0x00, 0x1a, 0x0b,
};

/*
 * (module
 *   (global $g (mut v128) (v128.const i64x2 1 2))
 *   (func (export "f") (param v128) (global.set $g (local.get 0))))
 */
static const uint8_t m4_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x01, 0x7b, 0x00, 0x03, 0x02, 0x01, 0x00, 0x06, 0x16, 0x01, 0x7b, 0x01,
    0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x07, 0x05, 0x01, 0x01, 0x66,
    0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x24, 0x00, 0x0b,
};

/* Lanes of `width` bytes, each stored little-endian, as v128.const lays
 * them out: the expected bytes are built here, not copied from the
 * engine. */
static void lanes(uint8_t out[16], unsigned width, const uint64_t *lane)
{
    for (unsigned i = 0; i < 16 / width; i++)
        for (unsigned b = 0; b < width; b++)
            out[i * width + b] = (uint8_t)(lane[i] >> (8 * b));
}

static wx_wasm_val v128_of(const uint8_t bytes[16])
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = WX_V128;
    memcpy(v.of.v128, bytes, 16);
    return v;
}

static wx_global *export_global(wx_instance *inst, const char *name)
{
    wx_extern e;
    if (!wx_instance_export(inst, name, &e) || e.kind != WX_EXTERN_GLOBAL) {
        CHECK_MSG(false, "no global export \"%s\"", name);
        return NULL;
    }
    return e.of.global;
}

/* Global `name` of `inst` is a v128 holding `want`; prints both on a
 * mismatch so that a wrong byte is seen at once. */
static void check_bytes(wx_instance *inst, const char *name,
                        const uint8_t want[16])
{
    wx_global *g = export_global(inst, name);
    if (!g)
        return;
    wx_wasm_val v = wx_global_get(g);
    char got_hex[33], want_hex[33];
    for (int i = 0; i < 16; i++) {
        snprintf(got_hex + 2 * i, 3, "%02x", v.of.v128[i]);
        snprintf(want_hex + 2 * i, 3, "%02x", want[i]);
    }
    CHECK_MSG(v.type == WX_V128, "%s: type %s", name, wx_valtype_name(v.type));
    CHECK_MSG(memcmp(v.of.v128, want, 16) == 0, "%s: got %s, want %s", name,
              got_hex, want_hex);
}

static wx_instance *instantiate(const wx_module *m, wx_linker *l)
{
    wx_error err;
    wx_error_clear(&err);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    return inst;
}

/* A module's own v128 globals hold the 16 bytes of their v128.const. */
static void test_const_globals(void)
{
    wx_module *m = load(m1_wasm, sizeof m1_wasm);
    wx_instance *inst = m ? instantiate(m, NULL) : NULL;
    if (!inst) {
        wx_module_free(m);
        return;
    }
    uint8_t want[16];
    memset(want, 0xff, 16);
    check_bytes(inst, "ones", want);

    static const uint64_t bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                       0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
                                       0x76, 0x54, 0x32, 0x10};
    lanes(want, 1, bytes);
    check_bytes(inst, "bytes", want);

    static const uint64_t i32x4[4] = {1, 2, 3, 4};
    lanes(want, 4, i32x4);
    check_bytes(inst, "i32x4", want);

    /* The bit patterns of 1.5 and -2.0 as IEEE 754 doubles. */
    static const uint64_t f64x2[2] = {0x3ff8000000000000u,
                                      0xc000000000000000u};
    lanes(want, 8, f64x2);
    check_bytes(inst, "f64x2", want);

    memset(want, 0, 16);
    check_bytes(inst, "zero", want);

    static const uint64_t i16x8[8] = {1, 0xffff, 2, 0xfffe,
                                      3, 0xfffd, 4, 0xfffc};
    lanes(want, 2, i16x8);
    check_bytes(inst, "mut", want);

    /* The description says v128 and mutability. */
    wx_externdesc d;
    CHECK(wx_module_export(m, 5, &d) && d.kind == WX_EXTERN_GLOBAL &&
          d.global_type == WX_V128 && d.global_mutable);
    CHECK(wx_module_export(m, 0, &d) && d.global_type == WX_V128 &&
          !d.global_mutable);

    wx_instance_free(inst);
    wx_module_free(m);
}

/* Setting a mutable v128 global through the API, and the refusals. */
static void test_set_get(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = load(m1_wasm, sizeof m1_wasm);
    wx_instance *inst = m ? instantiate(m, NULL) : NULL;
    if (!inst) {
        wx_module_free(m);
        return;
    }
    wx_global *mut = export_global(inst, "mut");
    wx_global *ones = export_global(inst, "ones");
    if (!mut || !ones)
        goto done;
    CHECK(wx_global_mutable(mut) && !wx_global_mutable(ones));

    uint8_t want[16];
    for (int i = 0; i < 16; i++)
        want[i] = (uint8_t)(0xa0 + i);
    CHECK(wx_global_set(mut, v128_of(want), &err) == WX_OK);
    check_bytes(inst, "mut", want);
    /* Every byte once more, so a store that skips a half cannot pass by
     * leaving the earlier value in place. */
    for (int i = 0; i < 16; i++)
        want[i] = (uint8_t)~want[i];
    CHECK(wx_global_set(mut, v128_of(want), &err) == WX_OK);
    check_bytes(inst, "mut", want);

    /* A value of another type leaves all 16 bytes as they were. */
    CHECK(wx_global_set(mut, wx_wasm_i64(-1), &err) == WX_EARG);
    CHECK_MSG(strstr(err.message, "global has type v128, got i64") != NULL,
              "message: %s", err.message);
    check_bytes(inst, "mut", want);

    uint8_t all_ff[16];
    memset(all_ff, 0xff, 16);
    CHECK(wx_global_set(ones, v128_of(want), &err) == WX_EARG);
    CHECK_MSG(strstr(err.message, "immutable") != NULL, "message: %s",
              err.message);
    check_bytes(inst, "ones", all_ff);
done:
    wx_instance_free(inst);
    wx_module_free(m);
}

/* A standalone v128 global from the host: kept whole, imported by a
 * module that re-exports it (the same object) and copies it into a
 * global of its own with global.get in a constant expression. */
static void test_host_global(void)
{
    wx_error err;
    wx_error_clear(&err);
    uint8_t v[16], mv[16];
    for (int i = 0; i < 16; i++) {
        v[i] = (uint8_t)(0x10 * i + (15 - i)); /* 0x0f 0x1e ... 0xf0 */
        mv[i] = (uint8_t)(0xff - i);
    }
    wx_global *hv = wx_global_new(v128_of(v), false, &err);
    CHECK_MSG(hv != NULL, "wx_global_new: %s", err.message);
    wx_global *hmv = wx_global_new(v128_of(mv), true, &err);
    CHECK_MSG(hmv != NULL, "wx_global_new: %s", err.message);
    if (!hv || !hmv) {
        if (hv)
            wx_extern_free(
                (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = hv});
        if (hmv)
            wx_extern_free(
                (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = hmv});
        return;
    }
    wx_wasm_val got = wx_global_get(hv);
    CHECK(got.type == WX_V128 && memcmp(got.of.v128, v, 16) == 0);

    wx_linker *l = wx_linker_new(NULL);
    wx_linker_define(l, "host", "v",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = hv},
                     NULL);
    wx_linker_define(l, "host", "mv",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = hmv},
                     NULL);
    wx_module *m = load(m2_wasm, sizeof m2_wasm);
    wx_instance *inst = m ? instantiate(m, l) : NULL;
    if (!inst)
        goto done;
    CHECK(export_global(inst, "v") == hv);
    CHECK(export_global(inst, "mv") == hmv);
    check_bytes(inst, "v", v);
    check_bytes(inst, "mv", mv);
    check_bytes(inst, "copy", v);
    wx_global *copy = export_global(inst, "copy");
    CHECK(copy != NULL && copy != hv);
    wx_global *after = export_global(inst, "after");
    CHECK(after != NULL && wx_global_get(after).of.i32 == 7);

    /* The import is shared: a set by the host shows through the
     * instance's export, and the copy keeps its first value. */
    CHECK(wx_global_set(hmv, v128_of(v), &err) == WX_OK);
    check_bytes(inst, "mv", v);
    CHECK(wx_global_set(export_global(inst, "mv"), v128_of(mv), &err) ==
          WX_OK);
    got = wx_global_get(hmv);
    CHECK(memcmp(got.of.v128, mv, 16) == 0);
    check_bytes(inst, "copy", v);

    wx_instance_free(inst);
done:
    wx_module_free(m);
    wx_linker_free(l);
}

/* One instance's v128 globals imported by another: the importer's
 * global.get copy holds the exporter's 16 bytes. */
static void test_instance_to_instance(void)
{
    wx_module *m1 = load(m1_wasm, sizeof m1_wasm);
    wx_module *m2 = load(m2_wasm, sizeof m2_wasm);
    wx_linker *l = wx_linker_new(NULL);
    wx_instance *a = m1 ? instantiate(m1, NULL) : NULL;
    wx_instance *b = NULL;
    if (!a || !m2)
        goto done;
    wx_linker_define(l, "host", "v",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL,
                                 .of.global = export_global(a, "bytes")},
                     NULL);
    wx_linker_define(l, "host", "mv",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL,
                                 .of.global = export_global(a, "mut")},
                     NULL);
    b = instantiate(m2, l);
    if (!b)
        goto done;
    uint8_t want[16];
    static const uint64_t bytes[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                       0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
                                       0x76, 0x54, 0x32, 0x10};
    lanes(want, 1, bytes);
    check_bytes(b, "copy", want);
    CHECK(export_global(b, "mv") == export_global(a, "mut"));
done:
    wx_instance_free(b);
    wx_instance_free(a);
    wx_linker_free(l);
    wx_module_free(m2);
    wx_module_free(m1);
}

/* Instantiating m2 with `ext` as host.v fails, naming both types. */
static void expect_unlinkable(wx_linker *l, const wx_module *m,
                              wx_global *as_v, const char *want)
{
    wx_error err;
    wx_error_clear(&err);
    wx_linker_define(l, "host", "v",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = as_v},
                     NULL);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK(inst == NULL && err.status == WX_EUNLINKABLE);
    CHECK_MSG(strstr(err.message, want) != NULL, "message: %s (want %s)",
              err.message, want);
    wx_instance_free(inst);
}

/* Imports of a v128 global check type and mutability both ways. */
static void test_import_types(void)
{
    uint8_t z[16] = {0};
    wx_module *m = load(m2_wasm, sizeof m2_wasm);
    if (!m)
        return;
    wx_linker *l = wx_linker_new(NULL);
    wx_linker_define(
        l, "host", "mv",
        (wx_extern){.kind = WX_EXTERN_GLOBAL,
                    .of.global = wx_global_new(v128_of(z), true, NULL)},
        NULL);
    expect_unlinkable(l, m, wx_global_new(wx_wasm_i64(0), false, NULL),
                      "\"host\".\"v\": global types differ: expected v128, "
                      "got i64");
    expect_unlinkable(l, m, wx_global_new(wx_wasm_i32(0), false, NULL),
                      "expected v128, got i32");
    expect_unlinkable(l, m, wx_global_new(v128_of(z), true, NULL),
                      "expected v128, got mut v128");
    /* And a v128 where a mutable v128 is wanted. */
    wx_linker_define(
        l, "host", "v",
        (wx_extern){.kind = WX_EXTERN_GLOBAL,
                    .of.global = wx_global_new(v128_of(z), false, NULL)},
        NULL);
    wx_linker_define(
        l, "host", "mv",
        (wx_extern){.kind = WX_EXTERN_GLOBAL,
                    .of.global = wx_global_new(v128_of(z), false, NULL)},
        NULL);
    wx_error err;
    wx_error_clear(&err);
    CHECK(wx_instantiate(m, l, NULL, &err) == NULL);
    CHECK_MSG(strstr(err.message, "\"host\".\"mv\": global types differ: "
                                  "expected mut v128, got v128") != NULL,
              "message: %s", err.message);
    wx_linker_free(l);
    wx_module_free(m);
}

/* Code that reads or writes a v128 global loads and runs since SIMD
 * (refused before it; test_simd.c checks the bytes code moves). */
static void run_f(const uint8_t *bytes, size_t len, const wx_wasm_val *args,
                  size_t nargs)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    CHECK_MSG(m != NULL, "load: %s", err.message);
    if (!m)
        return;
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    if (inst) {
        CHECK(wx_call(wx_instance_func(inst, "f"), args, nargs, NULL, 0,
                      &err) == WX_OK);
        wx_instance_free(inst);
    }
    wx_module_free(m);
}

static void test_code_runs(void)
{
    uint8_t z[16] = {0};
    wx_wasm_val v = v128_of(z);
    run_f(m3_wasm, sizeof m3_wasm, NULL, 0);
    run_f(m4_wasm, sizeof m4_wasm, &v, 1);
}

/* wx_global_new takes every value type and refuses what is none. */
static void test_new(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_wasm_val bad;
    memset(&bad, 0, sizeof bad);
    bad.type = (wx_valtype)0x40;
    CHECK(wx_global_new(bad, false, &err) == NULL);
    CHECK(err.status == WX_EARG && strstr(err.message, "0x40") != NULL);
}

int main(void)
{
    test_const_globals();
    test_set_get();
    test_host_global();
    test_instance_to_instance();
    test_import_types();
    test_code_runs();
    test_new();
    return CHECK_DONE();
}
