/*
 * Embedding the framework (include/wasmext.h): open a registry, register
 * a plugin from its config (or replace it if it is registered), and call
 * one of its functions with typed values, the way an application that
 * hosts plugins would.
 *
 *   embed REGISTRY.db CONFIG.json FUNC [ARG...]
 *
 * Each ARG becomes a wx_value of the type the function declares: strings
 * and json as they are, numbers parsed here. Results are printed one per
 * line. Exit status: 0 ok, 1 the call failed, 2 bad usage or config.
 *
 *   embed /tmp/r.db examples/plugins/create_line/create_line.json \
 *       create_line '{"x":2.5,"y":7.8}' '{"x":2.5,"y":5.8}' 'A thin line'
 */
#include "wasmext.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registers the config, or updates the plugin if one of that name is
 * there already (so that the program can be run again). */
static wx_status register_plugin(wx_manager *m, const char *config,
                                 wx_error *err)
{
    wx_status s = wx_manager_add_file(m, config, err);
    if (s == WX_EEXIST)
        s = wx_manager_update_file(m, config, err);
    return s;
}

/* One command-line argument as a value of type `t`: a string as it is,
 * a number parsed whole (the library then checks that it fits `t`). */
static bool make_arg(wx_type t, const char *text, wx_value *out)
{
    char *end;
    errno = 0;
    switch (t) {
    case WX_TYPE_STRING:
        *out = wx_value_string(text, strlen(text));
        return true;
    case WX_TYPE_JSON:
        *out = wx_value_json(text, strlen(text));
        return true;
    case WX_TYPE_BYTES:
        *out = wx_value_bytes(text, strlen(text));
        return true;
    case WX_TYPE_F32:
    case WX_TYPE_F64:
        *out = wx_value_f64(strtod(text, &end));
        break;
    case WX_TYPE_BOOL:
        *out = wx_value_bool(strcmp(text, "true") == 0);
        return strcmp(text, "true") == 0 || strcmp(text, "false") == 0;
    default:
        *out = wx_value_i64(strtoll(text, &end, 0));
        break;
    }
    return errno == 0 && end != text && *end == '\0';
}

static void print_value(const wx_value *v)
{
    switch (v->type) {
    case WX_TYPE_STRING:
    case WX_TYPE_JSON:
        printf("%.*s\n", (int)v->of.buf.len, v->of.buf.data);
        break;
    case WX_TYPE_BYTES:
        for (size_t i = 0; i < v->of.buf.len; i++)
            printf("%02x", (unsigned char)v->of.buf.data[i]);
        printf("\n");
        break;
    case WX_TYPE_F32:
        printf("%.9g\n", v->of.f32);
        break;
    case WX_TYPE_F64:
        printf("%.17g\n", v->of.f64);
        break;
    case WX_TYPE_BOOL:
        printf("%s\n", v->of.b ? "true" : "false");
        break;
    case WX_TYPE_U8:
    case WX_TYPE_U16:
    case WX_TYPE_U32:
    case WX_TYPE_U64:
        printf("%" PRIu64 "\n", v->of.u);
        break;
    case WX_TYPE_CHAR:
        printf("U+%04" PRIX32 "\n", v->of.ch);
        break;
    default:
        if (v->type <= WX_TYPE_I64)
            printf("%" PRId64 "\n", v->of.i);
        else
            printf("(%s, %zu elements)\n", wx_type_name(v->type),
                   v->of.vec.count);
    }
}

/* Calls `fn` with the command-line arguments; prints the results. */
static int call(wx_fn *fn, int argc, char **argv, wx_error *err)
{
    wx_function_info info;
    if (wx_fn_describe(fn, &info, err) != WX_OK)
        return 2;
    if ((uint32_t)argc != info.nparams) {
        fprintf(stderr, "embed: %s takes %u argument(s), got %d\n",
                wx_fn_name(fn), info.nparams, argc);
        return 2;
    }
    wx_value args[WX_MAX_VALUES];
    for (int i = 0; i < argc; i++) {
        if (!make_arg(info.params[i], argv[i], &args[i])) {
            fprintf(stderr, "embed: argument %d: \"%s\" is not a %s\n",
                    i + 1, argv[i], wx_type_name(info.params[i]));
            return 2;
        }
    }
    wx_values res;
    wx_status s = wx_fn_call_values(fn, args, (size_t)argc, &res, err);
    for (uint32_t i = 0; s == WX_OK && i < res.count; i++)
        print_value(&res.values[i]);
    wx_values_free(&res);
    return s == WX_OK ? 0 : s == WX_EARG ? 2 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: embed REGISTRY.db CONFIG.json FUNC [ARG...]\n");
        return 2;
    }
    wx_error err;
    wx_error_clear(&err);
    int rc = 2;
    wx_fn *fn = NULL;
    wx_manager *m = wx_manager_open(argv[1], NULL, &err);
    if (m && register_plugin(m, argv[2], &err) == WX_OK &&
        (fn = wx_fn_get(m, NULL, argv[3], &err)) != NULL)
        rc = call(fn, argc - 4, argv + 4, &err);
    if (rc != 0 && err.status != WX_OK)
        fprintf(stderr, "embed: %s\n", err.message);
    wx_fn_free(fn);
    wx_manager_close(m);
    return rc;
}
