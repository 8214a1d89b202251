/*
 * eKuiper's own wasm plugin test packages (the zips in
 * shared/fixtures/ekuiper, unpacked by the abi/fixtures test): fibonacci
 * (hand-written), add and reduce (TinyGo, importing WASI fd_write), called the
 * way eKuiper calls them, with SQL values (int64, float64) converted by the
 * exact-fit rule to the modules' i32 parameters.
 */
#include "abi_test.h"

static const char *fixtures;

/* Calls fn with SQL values; returns the i32 result or a message. */
static const char *sql_call(guest *g, const char *name,
                            const wxa_sql_value *vals, size_t n)
{
    static char out[400];
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, name, WX_ABI_NUMERIC, NULL, NULL);
    if (wxa_fn_bind(g->m, &fn, NULL, NULL, &err) != WX_OK) {
        snprintf(out, sizeof out, "ERR %s", err.message);
        return out;
    }
    wxa_value args[4];
    for (size_t i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %zu", i + 1);
        if (wxa_value_from_sql(fn.params[i], &vals[i], what, &args[i], &err) !=
            WX_OK) {
            wxa_values_free(args, i);
            snprintf(out, sizeof out, "ERR %s", err.message);
            return out;
        }
    }
    wxa_results res;
    wx_status s = wxa_call(g->inst, &fn, args, n, &res, &err);
    wxa_values_free(args, n);
    if (s != WX_OK) {
        snprintf(out, sizeof out, "ERR %s", err.message);
        return out;
    }
    char *t = res.count == 1 ? wxa_value_to_text(&res.values[0], 0) : NULL;
    snprintf(out, sizeof out, "%s", t ? t : "?");
    free(t);
    wxa_results_free(&res);
    return out;
}

static wxa_sql_value i64v(int64_t i)
{
    wxa_sql_value v = {.kind = WXA_SQL_INT, .of.i = i};
    return v;
}

static wxa_sql_value f64v(double f)
{
    wxa_sql_value v = {.kind = WXA_SQL_FLOAT, .of.f = f};
    return v;
}

static void test_fibonacci(void)
{
    guest g;
    char d[1024];
    snprintf(d, sizeof d, "%s/fibonacci", fixtures);
    if (!guest_open(&g, d, "fibonacci.wasm")) {
        CHECK(!"fibonacci.wasm");
        return;
    }
    wxa_sql_value a[1] = {i64v(25)};
    CHECK_STR(sql_call(&g, "fib", a, 1), "121393");
    a[0] = i64v(10);
    CHECK_STR(sql_call(&g, "fib", a, 1), "89");
    a[0] = f64v(20.0); /* schemaless JSON numbers are float64 in eKuiper */
    CHECK_STR(sql_call(&g, "fib", a, 1), "10946");
    a[0] = f64v(20.5);
    CHECK_STR(sql_call(&g, "fib", a, 1),
              "ERR argument 1: 20.5 does not fit i32 exactly");
    a[0] = i64v(INT64_C(1) << 40);
    CHECK_STR(sql_call(&g, "fib", a, 1),
              "ERR argument 1: 1099511627776 does not fit i32 exactly");
    guest_close(&g);
}

/* add and reduce: TinyGo modules, with the minimal WASI. */
static void test_tinygo(const char *pkg, const char *name, int64_t a,
                        int64_t b, const char *want)
{
    guest g;
    char d[1024], file[64];
    snprintf(d, sizeof d, "%s/%s", fixtures, pkg);
    snprintf(file, sizeof file, "%s.wasm", pkg);
    if (!guest_open(&g, d, file)) {
        CHECK_MSG(0, "cannot run %s", file);
        return;
    }
    wxa_sql_value v[2] = {i64v(a), i64v(b)};
    /* The function needs no runtime initialisation (_start)... */
    CHECK_STR(sql_call(&g, name, v, 2), want);
    v[0] = f64v((double)a);
    CHECK_STR(sql_call(&g, name, v, 2), want);
    /* ...and still works after it, as eKuiper never ran it. */
    wx_wasm_func *start = wx_instance_func(g.inst, "_start");
    wx_error err;
    CHECK(start != NULL);
    if (start)
        CHECK_MSG(wx_call(start, NULL, 0, NULL, 0, &err) == WX_OK,
                  "_start: %s", err.message);
    CHECK_STR(sql_call(&g, name, v, 2), want);
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s GUEST_DIR FIXTURE_DIR\n", argv[0]);
        return 2;
    }
    fixtures = argv[2];
    test_fibonacci();
    test_tinygo("add", "add", 3, 4, "7");
    test_tinygo("add", "add", -10, 2147483647, "2147483637");
    test_tinygo("reduce", "reduce", 10, 3, "7");
    test_tinygo("reduce", "reduce", 3, 10, "-7");
    /* ride.zip ships no module: nothing to run. */
    char path[1024];
    snprintf(path, sizeof path, "%s/ride/ride.wasm", fixtures);
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    CHECK(bytes == NULL);
    free(bytes);
    return CHECK_DONE();
}
