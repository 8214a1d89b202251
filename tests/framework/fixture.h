/*
 * What the framework tests share: a fresh temporary directory per run
 * (removed at the end), guests copied into it from the build's guest
 * directory (so a test may delete them), config files, calls by name
 * with JSON or command-line text over the typed API, and small JSON
 * helpers over the manager's reports.
 */
#ifndef WX_TEST_FIXTURE_H
#define WX_TEST_FIXTURE_H

#include "check.h"
#include "wasmext.h"

#include "dl_jansson.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *guest_dir = ".";
static char tmp_dir[256];

static void fx_setup(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/wxfw-test.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static void fx_teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
}

/* "<tmp_dir>/<name>" in a static ring of buffers (a few live at once). */
static const char *fx_path(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp_dir, name);
    return b;
}

static void fx_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        perror(path);
        exit(2);
    }
    fclose(f);
}

__attribute__((unused)) static void fx_write_text(const char *path,
                                                  const char *text)
{
    fx_write(path, text, strlen(text));
}

/* Copies guest `name`.wasm into the temporary directory as `as`. */
__attribute__((unused)) static void fx_copy_guest(const char *name,
                                                  const char *as)
{
    char src[512];
    snprintf(src, sizeof src, "%s/%s.wasm", guest_dir, name);
    FILE *f = fopen(src, "rb");
    if (!f) {
        perror(src);
        exit(2);
    }
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fx_write(fx_path(as), buf, n);
}

/* printf into a malloc'd string. */
static char *fx_fmt(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *fx_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A config: name, .wasm (relative to tmp_dir or absolute), the functions
 * array's JSON and extra top-level members (or ""). */
__attribute__((unused)) static char *fx_config(const char *name, const char *wasm,
                       const char *functions, const char *extra)
{
    return fx_fmt("{\"name\":\"%s\",\"vm_config\":{\"path\":\"%s\"},"
                  "\"functions\":%s%s%s}",
                  name, wasm, functions, *extra ? "," : "", extra);
}

__attribute__((unused)) static wx_status
fx_add(wx_manager *m, const char *name, const char *wasm,
       const char *functions, const char *extra, wx_error *err)
{
    char *cfg = fx_config(name, wasm, functions, extra);
    wx_status s = wx_manager_add(m, cfg, tmp_dir, err);
    free(cfg);
    return s;
}

__attribute__((unused)) static wx_status
fx_update(wx_manager *m, const char *name, const char *wasm,
          const char *functions, const char *extra, wx_error *err)
{
    char *cfg = fx_config(name, wasm, functions, extra);
    wx_status s = wx_manager_update(m, cfg, tmp_dir, err);
    free(cfg);
    return s;
}

/* Parses and frees report text; NULL stays NULL. */
__attribute__((unused)) static json_t *fx_json(char *text)
{
    if (!text)
        return NULL;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fprintf(stderr, "bad JSON from the manager: %s: %s\n", je.text, text);
    free(text);
    return j;
}

/* The value at a path of object keys and array indexes, e.g.
 * fx_at(j, "functions", "#0", "name", NULL). */
__attribute__((unused)) static json_t *fx_at(json_t *j, ...)
{
    va_list ap;
    va_start(ap, j);
    const char *k;
    while (j && (k = va_arg(ap, const char *)) != NULL)
        j = k[0] == '#' ? json_array_get(j, (size_t)atoi(k + 1))
                        : json_object_get(j, k);
    va_end(ap);
    return j;
}

__attribute__((unused)) static const char *fx_str(json_t *j)
{
    return json_is_string(j) ? json_string_value(j) : "";
}

/*
 * The calls the doors make, over the typed API: resolve a handle, read its
 * types, convert the arguments, call, convert the results. The tests keep
 * writing arguments and expected results as text this way.
 */

/* A handle and its description; NULL with err set (fn freed) on failure. */
__attribute__((unused)) static wx_fn *
fx_fn(wx_manager *m, const char *plugin, const char *func,
      wx_function_info *info, wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, plugin, func, err);
    if (fn && wx_fn_describe(fn, info, err) != WX_OK) {
        wx_fn_free(fn);
        fn = NULL;
    }
    return fn;
}

/* What a door gives a call: a JSON array of arguments (json_in; NULL:
 * none) or command-line words (argc, argv), and the results it wants back
 * (JSON or text, one a line). */
typedef struct fx_door {
    bool json_in, json_out;
    const char *json;
    int argc;
    const char *const *argv;
} fx_door;

/* A call as a door makes it: convert the input once, call the handle,
 * convert the results once into *out (wx_free; NULL on failure). */
__attribute__((unused)) static wx_status
call_door(wx_manager *m, const char *plugin, const char *func,
          const fx_door *d, char **out, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    *out = NULL;
    wx_function_info info;
    wx_fn *fn = fx_fn(m, plugin, func, &info, err);
    if (!fn)
        return err->status;
    wx_values in, res = {0};
    wx_status s =
        d->json_in ? wx_values_from_json(&info, d->json,
                                         d->json ? strlen(d->json) : 0, &in,
                                         err)
                   : wx_values_from_argv(&info, d->argc, d->argv, &in, err);
    if (s == WX_OK)
        s = wx_fn_call_values(fn, in.values, in.count, &res, err);
    if (s == WX_OK &&
        !(*out = d->json_out ? wx_values_to_json(res.values, res.count, err)
                             : wx_values_to_text(res.values, res.count, 0,
                                                 err)))
        s = err->status;
    wx_values_free(&in);
    wx_values_free(&res);
    wx_fn_free(fn);
    return s;
}

/* Arguments as a JSON array (NULL: none), results as a JSON array. */
__attribute__((unused)) static wx_status
call_json(wx_manager *m, const char *plugin, const char *func,
          const char *args, char **out, wx_error *err)
{
    fx_door d = {.json_in = true, .json_out = true, .json = args};
    return call_door(m, plugin, func, &d, out, err);
}

/* Command-line arguments; results one a line. */
__attribute__((unused)) static wx_status
call_argv(wx_manager *m, const char *plugin, const char *func, int argc,
          const char *const *argv, char **out, wx_error *err)
{
    fx_door d = {.argc = argc, .argv = argv};
    return call_door(m, plugin, func, &d, out, err);
}

/* A typed call by name (a handle for the one call). */
__attribute__((unused)) static wx_status
call_values(wx_manager *m, const char *plugin, const char *func,
            const wx_value *args, size_t nargs, wx_values *out, wx_error *err)
{
    out->count = 0;
    wx_fn *fn = wx_fn_get(m, plugin, func, err);
    if (!fn)
        return err ? err->status : WX_ENOPLUGIN;
    wx_status s = wx_fn_call_values(fn, args, nargs, out, err);
    wx_fn_free(fn);
    return s;
}

/* A bare wasm call by name. */
__attribute__((unused)) static wx_status
call_vals(wx_manager *m, const char *plugin, const char *func,
          const wx_wasm_val *args, size_t nargs, wx_wasm_val *results, size_t nresults,
          wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, plugin, func, err);
    if (!fn)
        return err ? err->status : WX_ENOPLUGIN;
    wx_status s = wx_fn_call(fn, args, nargs, results, nresults, err);
    wx_fn_free(fn);
    return s;
}

/* The reports as JSON text (wx_free; NULL with err set): every plugin's
 * list entry, one plugin's show object, the check entries of one plugin
 * or (NULL) all. */
__attribute__((unused)) static char *
fx_report(wx_manager *m, const char *name, unsigned what, bool one,
          wx_error *err)
{
    wx_plugin_list list = {0};
    if (wx_manager_plugins(m, name, what, &list, err) != WX_OK)
        return NULL;
    char *text = wx_plugin_list_to_json(&list, one, err);
    wx_plugin_list_free(&list);
    return text;
}

__attribute__((unused)) static char *manager_list(wx_manager *m,
                                                  wx_error *err)
{
    return fx_report(m, NULL, 0, false, err);
}

__attribute__((unused)) static char *
manager_show(wx_manager *m, const char *name, wx_error *err)
{
    return fx_report(m, name, WX_INFO_DETAIL, true, err);
}

__attribute__((unused)) static char *
manager_check(wx_manager *m, const char *name, wx_error *err)
{
    return fx_report(m, name, WX_INFO_CHECK, false, err);
}

/* call_json and returns the result text (static buffer) or "ERR:<msg>". */
__attribute__((unused)) static const char *
fx_call(wx_manager *m, const char *plugin, const char *func, const char *args)
{
    static char out[512];
    char *res = NULL;
    wx_error err;
    wx_status s = call_json(m, plugin, func, args, &res, &err);
    if (s == WX_OK)
        snprintf(out, sizeof out, "%s", res);
    else
        snprintf(out, sizeof out, "ERR:%s", err.message);
    wx_free(res);
    return out;
}

__attribute__((unused)) static const char *fx_argv(wx_manager *m,
                                                   const char *plugin,
                                                   const char *func, int argc,
                                                   const char **argv)
{
    static char out[512];
    char *res = NULL;
    wx_error err;
    wx_status s = call_argv(m, plugin, func, argc, argv, &res, &err);
    if (s == WX_OK)
        snprintf(out, sizeof out, "%s", res);
    else
        snprintf(out, sizeof out, "ERR:%s", err.message);
    wx_free(res);
    return out;
}

/* "<what> in registry <m's path>" (static buffer): how a name the
 * registry does not hold is reported. */
__attribute__((unused)) static const char *fx_in_registry(wx_manager *m,
                                                          const char *what)
{
    static char buf[768];
    snprintf(buf, sizeof buf, "%s in registry %s", what,
             wx_manager_db_path(m));
    return buf;
}

#define CHECK_STR(got, want)                                                  \
    do {                                                                      \
        const char *g_ = (got), *w_ = (want);                                 \
        CHECK_MSG(strcmp(g_, w_) == 0, "got \"%s\", want \"%s\"", g_, w_);    \
    } while (0)

#define CHECK_HAS(got, part)                                                  \
    do {                                                                      \
        const char *g_ = (got), *p_ = (part);                                 \
        CHECK_MSG(strstr(g_, p_) != NULL, "\"%s\" lacks \"%s\"", g_, p_);     \
    } while (0)

#endif
