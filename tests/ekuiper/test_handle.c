/*
 * Unit tests of the eKuiper adapter without sockets: message parsing,
 * reply texts (JSON escaping, the control-channel 'h' rule), and
 * wxk_handle answering FuncData messages on an in-process manager.
 *
 * The manager runs on an in-memory registry (":memory:"), as plugin
 * mode's does, from inside an empty directory that must stay empty.
 *
 *   ekuiper_test_handle GUEST_DIR
 */
#include "check.h"
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_json_string(void)
{
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\s/", 6, "\"q\\\"b\\\\s/\""},
        {"\n\r\t\b\f\x01\x1f", 7, "\"\\n\\r\\t\\b\\f\\u0001\\u001f\""},
        {"nul\0in", 6, "\"nul\\u0000in\""},
        {"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80", 9,
         "\"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80\""},
        {"bad\xff", 4, "\"bad\xef\xbf\xbd\""},
        {"cut\xe2\x9c", 5, "\"cut\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wxk_buf b;
        wxk_buf_init(&b);
        wxk_buf_add_json_string(&b, cases[i].in, cases[i].n);
        CHECK_MSG(b.data && strcmp(b.data, cases[i].want) == 0, "case %zu: %s",
                  i, b.data);
        json_t *j = json_loads(b.data, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        CHECK_MSG(json_is_string(j), "case %zu is not valid JSON", i);
        json_decref(j);
        wxk_buf_free(&b);
    }
    /* Long texts grow the buffer. */
    wxk_buf b;
    wxk_buf_init(&b);
    for (int i = 0; i < 10000; i++)
        wxk_buf_addf(&b, "%d,", i);
    CHECK(!b.oom && b.len == strlen(b.data) && strstr(b.data, ",9999,"));
    wxk_buf_free(&b);
}

static void test_control_error(void)
{
    wxk_buf b;
    wxk_buf_init(&b);
    wxk_control_error(&b, "handshake refused: %d", 3);
    CHECK(strcmp(b.data, "error: handshake refused: 3") == 0);
    wxk_control_error(&b, "%s", "");
    CHECK(strcmp(b.data, "error") == 0);
    wxk_control_error(&b, "symbol %s not found", "x");
    CHECK(strcmp(b.data, "symbol x not found") == 0);
    wxk_buf_free(&b);
}

static void test_command(void)
{
    wxk_buf why;
    wxk_buf_init(&why);
    wxk_command c;
    const char *start =
        "{\"cmd\":\"start\",\"arg\":\"{\\\"symbolName\\\":\\\"echo\\\","
        "\\\"meta\\\":{\\\"ruleId\\\":\\\"r\\\",\\\"opId\\\":\\\"o\\\","
        "\\\"instanceId\\\":2},\\\"pluginType\\\":\\\"func\\\"}\"}";
    CHECK(wxk_command_parse(start, strlen(start), &c, &why));
    CHECK(c.cmd == WXK_CMD_START && c.type == WXK_SYM_FUNC);
    CHECK(strcmp(c.symbol, "echo") == 0 && strcmp(c.rule_id, "r") == 0 &&
          strcmp(c.op_id, "o") == 0 && c.instance_id == 2);
    wxk_command_free(&c);

    const char *obj = "{\"cmd\":\"stop\",\"arg\":{\"symbolName\":\"s\","
                      "\"pluginType\":\"sink\"}}";
    CHECK(wxk_command_parse(obj, strlen(obj), &c, &why));
    CHECK(c.cmd == WXK_CMD_STOP && c.type == WXK_SYM_SINK &&
          strcmp(c.symbol, "s") == 0 && strcmp(c.rule_id, "") == 0);
    wxk_command_free(&c);

    const char *other = "{\"cmd\":\"reload\"}";
    CHECK(wxk_command_parse(other, strlen(other), &c, &why));
    CHECK(c.cmd == WXK_CMD_OTHER && strcmp(c.cmd_name, "reload") == 0);
    wxk_command_free(&c);

    static const char *const bad[] = {
        "",
        "[1]",
        "{\"cmd\":1}",
        "{\"cmd\":\"start\"}",
        "{\"cmd\":\"start\",\"arg\":\"nope\"}",
        "{\"cmd\":\"start\",\"arg\":\"[1]\"}",
        "hello",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(!wxk_command_parse(bad[i], strlen(bad[i]), &c, &why), "%s",
                  bad[i]);
        CHECK_MSG(why.data && why.data[0] && why.data[0] != 'h', "%s: %s",
                  bad[i], why.data);
    }
    wxk_buf_free(&why);
}

/* wxk_handle on `f` with `msg` (and the channel memory `seen`, which may
 * be NULL): the reply must equal `want` as JSON. */
static void expect(const wxk_funcs *fs, wxk_buf *seen, const char *f,
                   const char *msg, const char *want)
{
    wxk_buf out;
    wxk_buf_init(&out);
    wxk_handle(wxk_funcs_find(fs, f), seen, msg, strlen(msg), &out);
    json_t *got = json_loads(out.data, 0, NULL);
    json_t *w = json_loads(want, 0, NULL);
    CHECK_MSG(got && w && json_equal(got, w), "%s %s: want %s, got %s", f, msg,
              want, out.data);
    json_decref(got);
    json_decref(w);
    wxk_buf_free(&out);
}

/* The same, for a state-false reply containing `part`. */
static void expect_fail(const wxk_funcs *fs, wxk_buf *seen, const char *f,
                        const char *msg, const char *part)
{
    wxk_buf out;
    wxk_buf_init(&out);
    wxk_handle(wxk_funcs_find(fs, f), seen, msg, strlen(msg), &out);
    json_t *got = json_loads(out.data, 0, NULL);
    const char *text = json_string_value(json_object_get(got, "result"));
    CHECK_MSG(json_is_false(json_object_get(got, "state")) && text &&
                  strstr(text, part),
              "%s %s: want an error with \"%s\", got %s", f, msg, part,
              out.data);
    json_decref(got);
    wxk_buf_free(&out);
}

#define CTX "\"{\\\"ruleId\\\":\\\"r\\\",\\\"opId\\\":\\\"o\\\"}\""

/* Exec of functions outside the numeric fast path: the JSON arguments
 * converted to their declared types, the results back (cstring guest). */
static void test_values_path(wx_manager *m, const char *guests)
{
    char cfg[PATH_MAX + 1024];
    wx_error err;
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"c\",\"vm_config\":{\"path\":\"%s/cstring.wasm\"},"
             "\"functions\":[{\"name\":\"greet\",\"abi\":\"cstring\","
             "\"params\":[\"string\"],\"results\":[\"string\"]},"
             "{\"name\":\"sum_bytes\",\"abi\":\"cstring\","
             "\"params\":[\"bytes\"],\"results\":[\"i64\"]}]}",
             guests);
    CHECK_MSG(wx_manager_add(m, cfg, NULL, &err) == WX_OK, "%s", err.message);
    wxk_funcs fs;
    if (wxk_funcs_load(m, "c", &fs, &err) != WX_OK) {
        CHECK_MSG(false, "%s", err.message);
        return;
    }
    CHECK(fs.n == 2 && !wxk_funcs_find(&fs, "greet")->typed);
    expect(&fs, NULL, "greet", "{\"func\":\"Exec\",\"arg\":[\"w\"," CTX "]}",
           "{\"state\":true,\"result\":\"Hello, w!\"}");
    expect(&fs, NULL, "sum_bytes",
           "{\"func\":\"Exec\",\"arg\":[\"AQID\"," CTX "]}",
           "{\"state\":true,\"result\":6}");
    expect_fail(&fs, NULL, "greet", "{\"func\":\"Exec\",\"arg\":[42," CTX "]}",
                "greet: argument 1");
    expect_fail(&fs, NULL, "greet", "{\"func\":\"Exec\",\"arg\":[" CTX "]}",
                "expected 1 argument (string), got 0");
    wxk_funcs_free(&fs);
    /* An unknown plugin is refused by name. */
    CHECK(wxk_funcs_load(m, "nosuch", &fs, &err) == WX_ENOPLUGIN &&
          strstr(err.message, "nosuch"));
}

static void test_handle(const char *guests)
{
    char dir[] = "/tmp/wx-ekuiper-unit-XXXXXX";
    char cwd[PATH_MAX], abs[PATH_MAX];
    /* GUEST_DIR absolute first: the test runs from the temp directory. */
    if (!realpath(guests, abs) || !getcwd(cwd, sizeof cwd) || !mkdtemp(dir) ||
        chdir(dir) != 0) {
        CHECK(false);
        return;
    }
    guests = abs;
    wx_error err;
    wx_manager *m = wx_manager_open(":memory:", NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    char cfg[PATH_MAX + 1024];
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"g\",\"vm_config\":{\"path\":\"%s/guest.wasm\"},"
             "\"functions\":[\"div\",\"add64\",\"half\",\"nothing\","
             "\"divmod\",{\"name\":\"hyp\",\"params\":[\"f64\",\"f64\"],"
             "\"results\":[\"f64\"]}]}",
             guests);
    CHECK_MSG(m && wx_manager_add(m, cfg, NULL, &err) == WX_OK, "%s",
              err.message);
    wxk_funcs fs;
    CHECK_MSG(wxk_funcs_load(m, "g", &fs, &err) == WX_OK, "%s", err.message);
    CHECK(fs.n == 6);
    CHECK(wxk_funcs_find(&fs, "div")->typed);
    CHECK(wxk_funcs_find(&fs, "hyp")->typed);
    CHECK(!wxk_funcs_find(&fs, "nosuch"));
    /* One channel's memory of the last valid context, as the plugin keeps
     * it: every check below runs with it, and so after valid contexts. */
    wxk_buf seen;
    wxk_buf_init(&seen);

    expect(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[7,2," CTX "]}",
           "{\"state\":true,\"result\":3}");
    expect(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[7.0,-2," CTX "]}",
           "{\"state\":true,\"result\":-3}");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[7,0," CTX "]}",
                "div: ");
    expect(&fs, &seen, "add64",
           "{\"func\":\"Exec\",\"arg\":[9223372036854775807,-1," CTX "]}",
           "{\"state\":true,\"result\":9223372036854775806}");
    expect(&fs, &seen, "half", "{\"func\":\"Exec\",\"arg\":[1e-3," CTX "]}",
           "{\"state\":true,\"result\":0.0005}");
    expect(&fs, &seen, "hyp",
           "{\"func\":\"Exec\",\"arg\":[1e308,1e308," CTX "]}",
           "{\"state\":true,\"result\":\"inf\"}");
    expect(&fs, &seen, "nothing", "{\"func\":\"Exec\",\"arg\":[" CTX "]}",
           "{\"state\":true,\"result\":null}");
    expect(&fs, &seen, "divmod", "{\"func\":\"Exec\",\"arg\":[9,4," CTX "]}",
           "{\"state\":true,\"result\":[2,1]}");
    expect(&fs, &seen, "div", "{\"func\":\"Validate\",\"arg\":[1,2]}",
           "{\"state\":true,\"result\":\"\"}");
    expect(&fs, &seen, "nothing", "{\"func\":\"Validate\",\"arg\":null}",
           "{\"state\":true,\"result\":\"\"}");
    expect(&fs, &seen, "div", "{\"func\":\"IsAggregate\",\"arg\":null}",
           "{\"state\":true,\"result\":false}");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Validate\",\"arg\":[1]}",
                "div: expected 2 arguments (i32, i32), got 1");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Validate\",\"arg\":5}",
                "expected an array");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[]}",
                "expected an array of arguments");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[1,2,3]}",
                "function context");
    expect_fail(&fs, &seen, "div",
                "{\"func\":\"Exec\",\"arg\":[1,2,\"{\\\"ruleId\\\":1}\"]}",
                "function context");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[1," CTX "]}",
                "expected 2 arguments (i32, i32), got 1");
    expect_fail(&fs, &seen, "div",
                "{\"func\":\"Exec\",\"arg\":[[1],2," CTX "]}",
                "argument 1: expected i32, got an array");
    expect_fail(&fs, &seen, "div",
                "{\"func\":\"Exec\",\"arg\":[1,1.5," CTX "]}",
                "argument 2: 1.5 does not fit i32");
    expect_fail(&fs, &seen, "div", "{\"func\":\"Close\",\"arg\":null}",
                "invalid func Close");
    expect_fail(&fs, &seen, "div", "{\"arg\":null}", "invalid request");
    expect_fail(&fs, &seen, "div", "\xff", "invalid request");

    /* The memory: a context equal to the last valid one is taken as it
     * is, any other is parsed; invalid ones never replace it. */
#define CTX2 "\"{\\\"ruleId\\\":\\\"r2\\\",\\\"opId\\\":\\\"o\\\"}\""
#define BAD2 "\"{\\\"ruleI\\\":\\\"r2\\\",\\\"opId\\\":\\\"o\\\"}\\n\""
    CHECK(seen.data &&
          strcmp(seen.data, "{\"ruleId\":\"r\",\"opId\":\"o\"}") == 0);
    expect(&fs, &seen, "div", "{\"func\":\"Exec\",\"arg\":[8,2," CTX2 "]}",
           "{\"state\":true,\"result\":4}");
    CHECK(seen.data && strstr(seen.data, "r2"));
    expect_fail(&fs, &seen, "div",
                "{\"func\":\"Exec\",\"arg\":[8,2," BAD2 "]}",
                "function context");
    CHECK(seen.data && strstr(seen.data, "ruleId"));
    expect(&fs, NULL, "div", "{\"func\":\"Exec\",\"arg\":[8,2," CTX "]}",
           "{\"state\":true,\"result\":4}");
    expect_fail(&fs, NULL, "div", "{\"func\":\"Exec\",\"arg\":[8,2," BAD2 "]}",
                "function context");
    wxk_buf_free(&seen);

    wxk_funcs_free(&fs);
    if (m) {
        test_values_path(m, guests);
        wx_manager_close(m);
    }
    /* Nothing on disk: no file named ":memory:", no -wal, no temp file. */
    CHECK_MSG(chdir(cwd) == 0 && rmdir(dir) == 0,
              "%s is not empty after an in-memory registry", dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    test_json_string();
    test_control_error();
    test_command();
    test_handle(argv[1]);
    return CHECK_DONE();
}
