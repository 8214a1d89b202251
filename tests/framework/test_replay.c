/*
 * Recording of failed calls and their replay (wx_manager_recordings,
 * wx_manager_replay, include/wasmext.h): off by default, on with
 * record.failed_calls, bounded, fed by every door (typed calls, bare
 * wasm calls, batch rows), a trap with its place, a bound lowered by an
 * update, a replay against the recorded revision after an update (which
 * traps again) and against the current, fixed one (which succeeds), the
 * config's refusals and the JSON forms.
 * argv[1] names the guest directory (replay_v1.wat, replay_v2.wat).
 */
#include "fixture.h"

#define FUNCS "[\"parse\"]"
#define RECORD(n) "\"record\":{\"failed_calls\":" #n "}"

static wx_status call_parse(wx_manager *m, int32_t x, wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, "rp", "parse", err);
    if (!fn)
        return err->status;
    wx_value arg = wx_value_i32(x);
    wx_values out = {0};
    wx_status s = wx_fn_call_values(fn, &arg, 1, &out, err);
    wx_values_free(&out);
    wx_fn_free(fn);
    return s;
}

static size_t recordings(wx_manager *m)
{
    wx_recording_list l;
    wx_error err;
    wx_status s = wx_manager_recordings(m, "rp", &l, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    size_t n = l.count;
    wx_recording_list_free(&l);
    return n;
}

/* Off by default: a trap leaves nothing. */
static void test_off(wx_manager *m)
{
    wx_error err;
    CHECK(call_parse(m, 100, &err) == WX_ETRAP);
    CHECK(recordings(m) == 0);
    wx_recording_list l;
    CHECK(wx_manager_recordings(m, "nosuch", &l, &err) == WX_ENOPLUGIN);
    CHECK(strstr(err.message, "nosuch") != NULL);
}

/* The bound holds: 5 traps, 3 kept (the newest), each with its
 * arguments, status and place; successes and refused arguments are not
 * recorded. */
static void test_bound(wx_manager *m)
{
    wx_error err;
    wx_status s = fx_update(m, "rp", "v1.wasm", FUNCS, RECORD(3), &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    for (int32_t x = 100; x < 105; x++)
        CHECK(call_parse(m, x, &err) == WX_ETRAP);
    CHECK(call_parse(m, 7, &err) == WX_OK);
    wx_fn *fn = wx_fn_get(m, "rp", "parse", &err);
    wx_value bad = wx_value_string("x", 1);
    wx_values out = {0};
    CHECK(wx_fn_call_values(fn, &bad, 1, &out, &err) == WX_EARG);
    wx_fn_free(fn);

    wx_recording_list l;
    s = wx_manager_recordings(m, "rp", &l, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK_MSG(l.count == 3 && l.bound == 3 && l.recorded == 5,
              "%zu recordings, bound %u, recorded %llu", l.count, l.bound,
              (unsigned long long)l.recorded);
    for (size_t i = 0; i < l.count; i++) {
        const wx_recording *r = &l.items[i];
        CHECK(r->seq == 3 + i);
        CHECK(strcmp(r->function, "parse") == 0);
        CHECK(r->nargs == 1 && r->args[0].type == WX_TYPE_I32 &&
              r->args[0].of.i == 102 + (int64_t)i);
        CHECK(r->error.status == WX_ETRAP &&
              r->error.trap == WX_TRAP_UNREACHABLE);
        /* $check is function 0; the offset is the unreachable's. */
        CHECK_MSG(r->error.func_index == 0 && r->error.offset > 0,
                  "trap at function %u offset %u", r->error.func_index,
                  r->error.offset);
        CHECK(r->revision == 2 && strlen(r->sha256) == 64);
        CHECK(r->time_ms > 0);
    }
    wx_recording_list_free(&l);
    wx_recording_list_free(&l); /* again: a no-op */
}

/* A batch's failed rows and a bare wasm call are recorded too. */
static void test_doors(wx_manager *m)
{
    wx_error err;
    wx_fn *fn = wx_fn_get(m, "rp", "parse", &err);
    CHECK_MSG(fn != NULL, "%s", err.message);
    wx_value rows[3] = {wx_value_i32(1), wx_value_i32(200),
                        wx_value_i32(2)};
    wx_batch_result r;
    CHECK(wx_fn_call_batch(fn, rows, 3, 1, &r, &err) == WX_OK);
    CHECK(r.failed == 1);
    wx_batch_result_free(&r);
    wx_wasm_val a = {.type = WX_I32, .of.i32 = 300}, res;
    CHECK(wx_fn_call(fn, &a, 1, &res, 1, NULL) == WX_ETRAP);
    wx_fn_free(fn);

    wx_recording_list l;
    CHECK(wx_manager_recordings(m, "rp", &l, &err) == WX_OK);
    CHECK(l.count == 3 && l.recorded == 7);
    CHECK(l.count == 3 && l.items[1].args[0].of.i == 200 &&
          l.items[2].args[0].of.i == 300 &&
          l.items[2].error.trap == WX_TRAP_UNREACHABLE);
    wx_recording_list_free(&l);
}

/* After the fix: the recorded revision traps again, the current one
 * succeeds; the live plugin's recordings are left as they were. */
static void test_replay(wx_manager *m)
{
    wx_error err;
    wx_status s = fx_update(m, "rp", "v2.wasm", FUNCS, RECORD(3), &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(call_parse(m, 500, &err) == WX_OK);

    wx_replay_result r;
    s = wx_manager_replay(m, "rp", "parse", 2, WX_REPLAY_RECORDED, &r,
                          &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(r.count == 2 && r.reproduced == 2);
    for (size_t i = 0; i < r.count; i++) {
        const wx_replay_outcome *o = &r.items[i];
        CHECK(o->status == WX_ETRAP && o->error.trap == WX_TRAP_UNREACHABLE);
        CHECK(o->error.func_index == o->recording->error.func_index &&
              o->error.offset == o->recording->error.offset);
        CHECK(o->revision == 2 && o->reproduced);
    }
    char *json = wx_replay_result_to_json(&r, &err);
    CHECK_MSG(json && strstr(json, "\"reproduced\":true") &&
                  strstr(json, "\"against\":\"recorded\""),
              "%s", json ? json : err.message);
    wx_free(json);
    wx_replay_result_free(&r);

    s = wx_manager_replay(m, "rp", NULL, 0, WX_REPLAY_CURRENT, &r, &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(r.count == 3 && r.reproduced == 0);
    for (size_t i = 0; i < r.count; i++) {
        const wx_replay_outcome *o = &r.items[i];
        CHECK(o->status == WX_OK && o->revision == 3 && o->count == 1 &&
              o->values[0].of.i == 2 * o->recording->args[0].of.i);
    }
    wx_replay_result_free(&r);

    /* A function with no recordings: an empty replay. */
    s = wx_manager_replay(m, "rp", "other", 0, WX_REPLAY_RECORDED, &r, &err);
    CHECK(s == WX_OK && r.count == 0);
    wx_replay_result_free(&r);
    CHECK(recordings(m) == 3);

    wx_recording_list l;
    CHECK(wx_manager_recordings(m, "rp", &l, &err) == WX_OK);
    json = wx_recording_list_to_json(&l, &err);
    CHECK_MSG(json && strstr(json, "\"function\":\"parse\"") &&
                  strstr(json, "\"trap\":\"unreachable\""),
              "%s", json ? json : err.message);
    wx_free(json);
    wx_recording_list_free(&l);
}

/* A lower bound applies at the update; 0 drops everything. */
static void test_lowered(wx_manager *m)
{
    wx_error err;
    wx_status s = fx_update(m, "rp", "v2.wasm", FUNCS, RECORD(1), &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(recordings(m) == 1);
    s = fx_update(m, "rp", "v2.wasm", FUNCS, "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(recordings(m) == 0);
}

static void test_config(wx_manager *m)
{
    static const char *const bad[] = {
        "\"record\":{\"failed_calls\":10001}",
        "\"record\":{\"failed_calls\":-1}",
        "\"record\":{\"failed\":3}",
        "\"record\":5",
    };
    wx_error err;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wx_status s = fx_update(m, "rp", "v2.wasm", FUNCS, bad[i], &err);
        CHECK_MSG(s == WX_EARG && strstr(err.message, "record"),
                  "%s: %s", bad[i], err.message);
    }
    wx_status s = fx_update(m, "rp", "v2.wasm", FUNCS, RECORD(10000), &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    fx_copy_guest("replay_v1", "v1.wasm");
    fx_copy_guest("replay_v2", "v2.wasm");
    wx_error err;
    wx_manager *m = wx_manager_open(fx_path("replay.db"), NULL, &err);
    CHECK_MSG(m != NULL, "open: %s", err.message);
    if (!m)
        return 1;
    wx_status s = fx_add(m, "rp", "v1.wasm", FUNCS, "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    test_off(m);
    test_bound(m);
    test_doors(m);
    test_replay(m);
    test_lowered(m);
    test_config(m);
    wx_manager_close(m);
    fx_teardown();
    return CHECK_DONE();
}
