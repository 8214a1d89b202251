/*
 * Plugin packages (src/manager/package.c, wx_manager_add_package and
 * wx_manager_update_package): zips built here with libzip from guests
 * that wat2wasm assembled at build time, added to a real SQLite registry
 * in a fresh temporary directory.
 *
 * Good packages: a plain one, a config in a subdirectory naming its
 * module with "..", the layout `wasmext ekuiper pack` writes, updates.
 * Bad ones, each checked for its exact message and for leaving the
 * registry as it was (in this manager and in the file, read by a fresh
 * one): not a zip, damaged, path traversal and other bad names (also a
 * NUL patched into a name), symbolic links, encryption, duplicates, too
 * many entries, entries too big (declared, and declared small but
 * decompressing to more: zip bombs), missing or doubled configs, a
 * missing module, corrupt data, relative preopens, bad JSON.
 */
#define _GNU_SOURCE /* memmem */
#include "check.h"
#include "config.h"
#include "package.h"
#include "wasmext.h"

#include "dl_jansson.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#ifndef WX_PKG_GUESTS
#error "WX_PKG_GUESTS (the guest directory) must be defined"
#endif

static char tmpdir[] = "/tmp/wx-package-XXXXXX";
static char db[256];
static wx_manager *m;
static uint8_t *v1, *v2;
static size_t v1_len, v2_len;
/* The registry as list reports it, from `m` and from a fresh manager. */
static char *base_live, *base_file;

/* ------------------------------------------------------------ helpers */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

enum { Z_STORE = 1, Z_SYMLINK = 2, Z_ENCRYPT = 4, Z_DIR = 8, Z_EXEC = 16 };

typedef struct zent {
    const char *name;
    const void *data; /* NULL: the text in `text` */
    size_t len;
    unsigned flags;
} zent;

/* A text entry. */
#define ZT(name, text) {name, text, strlen(text), 0}
/* A module entry. */
#define ZW(name, bytes, n) {name, bytes, n, 0}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "test setup: %s: %s\n", what, why);
    exit(2);
}

/* A zip of the entries, made in memory (malloc'd; *len bytes). */
static uint8_t *zip_make(const zent *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *buf = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!buf)
        die("zip_source_buffer_create", zip_error_strerror(&ze));
    zip_source_keep(buf);
    zip_t *za = zip_open_from_source(buf, ZIP_TRUNCATE, &ze);
    if (!za)
        die("zip_open_from_source", zip_error_strerror(&ze));
    for (size_t i = 0; i < n; i++) {
        zip_int64_t idx;
        if (e[i].flags & Z_DIR) {
            idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);
        } else {
            zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
            idx = s ? zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8) : -1;
        }
        if (idx < 0)
            die(e[i].name, zip_strerror(za));
        zip_uint64_t k = (zip_uint64_t)idx;
        if ((e[i].flags & Z_STORE) &&
            zip_set_file_compression(za, k, ZIP_CM_STORE, 0) != 0)
            die(e[i].name, zip_strerror(za));
        if (e[i].flags & (Z_SYMLINK | Z_EXEC)) {
            zip_uint32_t mode = e[i].flags & Z_SYMLINK ? S_IFLNK | 0777
                                                      : S_IFREG | 0755;
            if (zip_file_set_external_attributes(za, k, 0, ZIP_OPSYS_UNIX,
                                                 mode << 16) != 0)
                die(e[i].name, zip_strerror(za));
        }
        if ((e[i].flags & Z_ENCRYPT) &&
            zip_file_set_encryption(za, k, ZIP_EM_AES_256, "secret") != 0)
            die(e[i].name, zip_strerror(za));
    }
    if (zip_close(za) != 0)
        die("zip_close", zip_strerror(za));
    zip_stat_t st;
    if (zip_source_open(buf) != 0 || zip_source_stat(buf, &st) != 0)
        die("zip source", "cannot reopen");
    uint8_t *out = malloc(st.size ? st.size : 1);
    if (!out ||
        zip_source_read(buf, out, st.size) != (zip_int64_t)st.size)
        die("zip source", "cannot read back");
    zip_source_close(buf);
    zip_source_free(buf);
    *len = st.size;
    return out;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Patches the headers of entry `name` (local and central): its name to
 * `new_name` (same length), its declared size, its CRC. A field given as
 * UINT32_MAX or NULL stays. The test zips are small and regular, so the
 * headers are found by signature and name.
 */
static void zip_patch(uint8_t *z, size_t len, const char *name,
                      const char *new_name, size_t name_len, uint32_t size,
                      uint32_t crc)
{
    int found = 0;
    size_t nl = strlen(name);
    for (size_t p = 0; p + 46 + nl <= len; p++) {
        bool local = memcmp(z + p, "PK\3\4", 4) == 0;
        bool central = memcmp(z + p, "PK\1\2", 4) == 0;
        size_t at = local ? 30 : 46, nlen_at = local ? 26 : 28;
        if ((!local && !central) || memcmp(z + p + at, name, nl) != 0 ||
            (size_t)(z[p + nlen_at] | z[p + nlen_at + 1] << 8) != nl)
            continue;
        found++;
        if (size != UINT32_MAX)
            put32(z + p + (local ? 22 : 24), size);
        if (crc != UINT32_MAX)
            put32(z + p + (local ? 14 : 16), crc);
        if (new_name)
            memcpy(z + p + at, new_name, name_len);
    }
    if (found != 2)
        die(name, "headers not found for patching");
}

/*
 * A config for plugin `name` whose module is `path`; `more` adds keys.
 * Function names are unique across plugins, so "car" (registered through
 * most of the test) lists "value" and every other plugin "add".
 */
static char *config(const char *name, const char *path, const char *more)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0],
             "{\"name\": \"%s\", \"vm_config\": {\"path\": \"%s\"}, "
             "\"functions\": [\"%s\"]%s%s}",
             name, path, strcmp(name, "car") ? "add" : "value",
             more ? ", " : "", more ? more : "");
    return b;
}

/* A snapshot as the JSON text users see (wx_free; NULL with err set):
 * every plugin's list entry, or `name`'s show object. */
static char *report(wx_manager *mm, const char *name, wx_error *err)
{
    wx_plugin_list list = {0};
    if (wx_manager_plugins(mm, name, name ? WX_INFO_DETAIL : 0, &list,
                           err) != WX_OK)
        return NULL;
    char *text = wx_plugin_list_to_json(&list, name != NULL, err);
    wx_plugin_list_free(&list);
    return text;
}

static char *list_of(wx_manager *mm)
{
    wx_error err;
    char *text = report(mm, NULL, &err);
    if (!text)
        die("list", err.message);
    return text;
}

static char *list_fresh(void)
{
    wx_error err;
    wx_manager_opts o = {.read_only = true};
    wx_manager *f = wx_manager_open(db, &o, &err);
    if (!f)
        die("reopen", err.message);
    char *text = list_of(f);
    wx_manager_close(f);
    return text;
}

static void take_baseline(void)
{
    wx_free(base_live);
    wx_free(base_file);
    base_live = list_of(m);
    base_file = list_fresh();
}

/* The registry is as the baseline says, in the manager and the file. */
static void unchanged(const char *what)
{
    char *live = list_of(m), *file = list_fresh();
    CHECK_MSG(strcmp(live, base_live) == 0, "%s: the manager changed: %s",
              what, live);
    CHECK_MSG(strcmp(file, base_file) == 0, "%s: the registry changed: %s",
              what, file);
    wx_free(live);
    wx_free(file);
}

/* plugin.func(args) on m, through a handle made for the call. */
static wx_status call_vals(const char *plugin, const char *func,
                           const wx_wasm_val *args, size_t nargs, wx_wasm_val *r,
                           wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, plugin, func, err);
    if (!fn)
        return err->status;
    wx_status s = wx_fn_call(fn, args, nargs, r, 1, err);
    wx_fn_free(fn);
    return s;
}

/* add(2, 3) of a plugin other than car. */
static int32_t add_of(const char *plugin)
{
    wx_wasm_val args[2] = {{.type = WX_I32, .of.i32 = 2},
                      {.type = WX_I32, .of.i32 = 3}};
    wx_wasm_val r;
    wx_error err;
    wx_status s = call_vals(plugin, "add", args, 2, &r, &err);
    CHECK_MSG(s == WX_OK, "%s.add: %s", plugin, err.message);
    return s == WX_OK ? r.of.i32 : -1;
}

static int32_t value_of(const char *plugin)
{
    wx_wasm_val r;
    wx_error err;
    wx_status s = call_vals(plugin, "value", NULL, 0, &r, &err);
    CHECK_MSG(s == WX_OK, "%s.value: %s", plugin, err.message);
    return s == WX_OK ? r.of.i32 : -1;
}

/* Adds (or updates) package z and expects failure `want` with `msg`. */
static void refused_as(const char *what, const uint8_t *z, size_t len,
                       bool update, wx_status want, const char *msg)
{
    wx_error err;
    char *name = (char *)"untouched";
    wx_status s = update ? wx_manager_update_package(m, z, len, NULL, &name,
                                                     &err)
                         : wx_manager_add_package(m, z, len, &name, &err);
    CHECK_MSG(s == want, "%s: status %s, want %s (%s)", what,
              wx_status_name(s), wx_status_name(want), err.message);
    CHECK_MSG(strcmp(err.message, msg) == 0,
              "%s: message\n    got:  %s\n    want: %s", what, err.message,
              msg);
    CHECK_MSG(name == NULL, "%s: name not cleared", what);
    unchanged(what);
}

static void refused(const char *what, const uint8_t *z, size_t len,
                    const char *msg)
{
    refused_as(what, z, len, false, WX_EARG, msg);
}

/* Builds the zip of `e` and expects an add of it to fail with `msg`. */
static void refused_zip(const char *what, const zent *e, size_t n,
                        const char *msg)
{
    size_t len;
    uint8_t *z = zip_make(e, n, &len);
    refused(what, z, len, msg);
    free(z);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

/* ------------------------------------------------------- good packages */

static void test_add_and_update(void)
{
    zent e1[] = {ZT("config.json", config("car", "car.wasm", NULL)),
                 ZW("car.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(e1, N(e1), &len);
    wx_error err;
    char *name = NULL;
    wx_status s = wx_manager_add_package(m, z, len, &name, &err);
    CHECK_MSG(s == WX_OK, "add: %s", err.message);
    CHECK(name && strcmp(name, "car") == 0);
    wx_free(name);
    free(z);
    CHECK(value_of("car") == 1);

    /* The stored config says where the module came from. */
    char *show = report(m, "car", &err);
    json_t *j = show ? json_loads(show, 0, NULL) : NULL;
    json_t *cfg = json_object_get(j, "config");
    const char *path = json_string_value(
        json_object_get(json_object_get(cfg, "vm_config"), "path"));
    CHECK_MSG(path && strcmp(path, "package:car.wasm") == 0, "path %s",
              path ? path : "(none)");
    CHECK(json_integer_value(json_object_get(j, "wasm_bytes")) ==
          (json_int_t)v1_len);
    json_decref(j);
    wx_free(show);

    /* Update to version 2, naming the plugin meant. */
    zent e2[] = {ZT("config.json", config("car", "car.wasm", NULL)),
                 ZW("car.wasm", v2, v2_len)};
    z = zip_make(e2, N(e2), &len);
    s = wx_manager_update_package(m, z, len, "car", &name, &err);
    CHECK_MSG(s == WX_OK, "update: %s", err.message);
    CHECK(name && strcmp(name, "car") == 0);
    wx_free(name);
    CHECK(value_of("car") == 2);
    free(z);
    /* From here on, the registry holds car, version 2. */
    take_baseline();

    /* Updating a plugin that is not registered. */
    zent e3[] = {ZT("config.json", config("van", "car.wasm", NULL)),
                 ZW("car.wasm", v1, v1_len)};
    z = zip_make(e3, N(e3), &len);
    refused_as("update unknown", z, len, true, WX_ENOPLUGIN,
               "plugin \"van\" is not registered (add it first)");
    free(z);
}

/* The config in a subdirectory: its path is relative to it. */
static void test_subdirectory(void)
{
    zent e[] = {{"conf/", NULL, 0, Z_DIR},
                ZT("conf/plugin.json",
                   config("sub", "../mods/./sub.wasm", NULL)),
                ZW("mods/sub.wasm", v1, v1_len),
                ZT("README.txt", "not read")};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    wx_error err;
    wx_status s = wx_manager_add_package(m, z, len, NULL, &err);
    CHECK_MSG(s == WX_OK, "subdirectory: %s", err.message);
    free(z);
    CHECK(add_of("sub") == 5);
    char *show = report(m, "sub", NULL);
    CHECK(show && strstr(show, "\"path\":\"package:mods/sub.wasm\""));
    wx_free(show);
    CHECK(wx_manager_delete(m, "sub", NULL) == WX_OK);
}

/* What `wasmext ekuiper pack` writes (src/ekuiper/pack.c): eKuiper's
 * metadata at the top (a .json without vm_config), a script, the binary,
 * and our config beside the module. Stored entries and an executable
 * mode are part of it. */
static void test_ekuiper_layout(void)
{
    static const char meta[] =
        "{\"name\":\"ek\",\"version\":\"v1.0.0\",\"language\":\"go\","
        "\"executable\":\"ek\",\"functions\":[\"value\",\"add\"]}";
    zent e[] = {ZT("ek.json", meta),
                {"ek", "#!/bin/sh\nexec true\n", 20, Z_EXEC},
                {"wasmext-plugin/", NULL, 0, Z_DIR},
                {"wasmext-plugin/bin/wasmext", "\177ELF...", 7,
                 Z_EXEC | Z_STORE},
                ZT("wasmext-plugin/config.json",
                   config("ek", "ek.wasm", "\"instance_num\": 2")),
                {"wasmext-plugin/ek.wasm", v2, v2_len, Z_STORE}};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    wx_error err;
    char *name = NULL;
    wx_status s = wx_manager_add_package(m, z, len, &name, &err);
    CHECK_MSG(s == WX_OK, "ekuiper layout: %s", err.message);
    CHECK(name && strcmp(name, "ek") == 0);
    wx_free(name);
    free(z);
    CHECK(add_of("ek") == 5);
    char *show = report(m, "ek", NULL);
    CHECK(show &&
          strstr(show, "\"path\":\"package:wasmext-plugin/ek.wasm\""));
    wx_free(show);
    CHECK(wx_manager_delete(m, "ek", NULL) == WX_OK);
}

/* ------------------------------------------------------ bad packages */

static void test_not_zip(void)
{
    static const char text[] = "this is not a zip archive, just some text";
    refused("text", (const uint8_t *)text, sizeof text - 1,
            "package: not a zip archive");
    refused("short", (const uint8_t *)"PK\3\4", 4,
            "package: not a zip archive (4 bytes)");
    /* An empty archive: only the end record. */
    uint8_t empty[22] = {'P', 'K', 5, 6};
    refused("empty", empty, sizeof empty, "package: the zip holds no entries");

    /* A zip cut short loses its directory. */
    zent e[] = {ZT("config.json", config("cut", "cut.wasm", NULL)),
                ZW("cut.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    refused("truncated", z, len - 30, "package: not a zip archive");
    /* The directory's offset pointing elsewhere. */
    uint8_t *moved = malloc(len);
    memcpy(moved, z, len);
    put32(moved + len - 6, 3);
    refused("bad directory offset", moved, len, "package: not a zip archive");
    free(moved);
    /* A local header that disagrees with the directory. */
    z[30] = 'C'; /* the first entry's name: "Config.json" */
    refused("inconsistent", z, len,
            "package: damaged zip: Zip archive inconsistent");
    free(z);
    refused("NULL", NULL, 0, "package: no data");
}

static void test_bad_names(void)
{
    const char *cfg = config("bad", "bad.wasm", NULL);
    zent trav[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                   ZW("../x.wasm", v1, v1_len)};
    refused_zip("traversal", trav, N(trav),
                "package entry \"../x.wasm\": path leaves the package");
    zent deep[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                   ZW("a/../../x.wasm", v1, v1_len)};
    refused_zip("deep traversal", deep, N(deep),
                "package entry \"a/../../x.wasm\": path leaves the package");
    zent dots[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                   ZW("a/../x.wasm", v1, v1_len)};
    refused_zip("dot dot", dots, N(dots),
                "package entry \"a/../x.wasm\": \"..\" in the path (write "
                "it without)");
    zent dot[] = {ZT("config.json", cfg), ZW("./bad.wasm", v1, v1_len)};
    refused_zip("dot", dot, N(dot),
                "package entry \"./bad.wasm\": empty or \".\" component in "
                "the path (write it without)");
    zent empty[] = {ZT("config.json", cfg), ZW("a//bad.wasm", v1, v1_len)};
    refused_zip("empty component", empty, N(empty),
                "package entry \"a//bad.wasm\": empty or \".\" component "
                "in the path (write it without)");
    zent abs[] = {ZT("config.json", cfg), ZW("/etc/bad.wasm", v1, v1_len)};
    refused_zip("absolute", abs, N(abs),
                "package entry \"/etc/bad.wasm\": absolute path (a package "
                "holds relative paths only)");
    zent bs[] = {ZT("config.json", cfg), ZW("..\\bad.wasm", v1, v1_len)};
    refused_zip("backslash", bs, N(bs),
                "package entry \"..\\bad.wasm\": backslash in the path (zip "
                "paths use \"/\")");

    /* A NUL in a name: libzip would show it as a space. */
    /* A big stored entry first, so that no field of the zip's first
     * bytes happens to be zero. */
    static uint8_t noise[70000];
    zent nul[] = {{"doc/zeros.bin", noise, sizeof noise, Z_STORE},
                  ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                  ZW("badXwasm.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(nul, N(nul), &len);
    zip_patch(z, len, "badXwasm.wasm", "bad\0wasm.wasm", 13, UINT32_MAX,
              UINT32_MAX);
    refused("NUL", z, len,
            "package entry \"bad\\0wasm.wasm\": NUL byte in the name");
    free(z);

    /* Two entries of one name. */
    zent dup[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                  ZW("bXd.wasm", v2, v2_len)};
    z = zip_make(dup, N(dup), &len);
    zip_patch(z, len, "bXd.wasm", "bad.wasm", 8, UINT32_MAX, UINT32_MAX);
    refused("duplicate", z, len,
            "package entry \"bad.wasm\": appears twice in the package");
    free(z);
}

static void test_bad_kinds(void)
{
    const char *cfg = config("bad", "bad.wasm", NULL);
    zent link[] = {ZT("config.json", cfg),
                   {"bad.wasm", "/etc/passwd", 11, Z_SYMLINK}};
    refused_zip("symlink", link, N(link),
                "package entry \"bad.wasm\": symbolic link (a package holds "
                "plain files only)");
    zent enc[] = {ZT("config.json", cfg),
                  {"bad.wasm", v1, v1_len, Z_ENCRYPT}};
    refused_zip("encrypted", enc, N(enc),
                "package entry \"bad.wasm\": encrypted (a package cannot be "
                "encrypted)");
    zent encc[] = {{"config.json", cfg, strlen(cfg), Z_ENCRYPT},
                   ZW("bad.wasm", v1, v1_len)};
    refused_zip("encrypted config", encc, N(encc),
                "package entry \"config.json\": encrypted (a package cannot "
                "be encrypted)");

    /* One entry more than allowed. */
    zent many[WXG_PACKAGE_ENTRIES_MAX + 1];
    static char names[WXG_PACKAGE_ENTRIES_MAX + 1][32];
    many[0] = (zent)ZT("config.json", cfg);
    many[1] = (zent)ZW("bad.wasm", v1, v1_len);
    for (size_t i = 2; i < N(many); i++) {
        snprintf(names[i], sizeof names[i], "doc/%zu.txt", i);
        many[i] = (zent)ZT(names[i], "x");
    }
    refused_zip("too many", many, N(many),
                "package: 65 entries, more than the limit of 64");
    /* Exactly the limit is fine. */
    size_t len;
    uint8_t *z = zip_make(many, WXG_PACKAGE_ENTRIES_MAX, &len);
    wx_error err;
    CHECK_MSG(wx_manager_add_package(m, z, len, NULL, &err) == WX_OK,
              "64 entries: %s", err.message);
    CHECK(wx_manager_delete(m, "bad", NULL) == WX_OK);
    free(z);
}

static void test_sizes(void)
{
    const char *cfg = config("big", "big.wasm", NULL);
    size_t cfg_len = strlen(cfg);
    /* A module of zeros one MiB over the limit, compressing to little. */
    size_t huge = WXG_PACKAGE_WASM_MAX + ((size_t)1 << 20);
    uint8_t *zeros = calloc(1, huge);
    zent e[] = {ZT("config.json", cfg), ZW("big.wasm", zeros, huge)};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    CHECK_MSG(len < ((size_t)1 << 20), "the bomb is %zu bytes", len);
    char msg[640];
    snprintf(msg, sizeof msg,
             "package entry \"big.wasm\": declares %zu bytes, more than the "
             "%zu allowed",
             huge, WXG_PACKAGE_WASM_MAX);
    refused("huge module", z, len, msg);
    /* The same declaring 1000 bytes: the bytes produced are what count. */
    zip_patch(z, len, "big.wasm", NULL, 0, 1000, UINT32_MAX);
    snprintf(msg, sizeof msg,
             "package entry \"big.wasm\": the package decompresses to more "
             "than %zu bytes in all (this entry declares 1000)",
             WXG_PACKAGE_BYTES_MAX);
    refused("lying module", z, len, msg);
    free(z);

    /* A config of 2 MiB (spaces), declared and lying. */
    size_t big = 2 * WXG_PACKAGE_JSON_MAX;
    char *text = malloc(big + 1);
    memset(text, ' ', big);
    memcpy(text, cfg, cfg_len);
    text[big] = '\0';
    zent c[] = {{"config.json", text, big, 0}, ZW("big.wasm", v1, v1_len)};
    z = zip_make(c, N(c), &len);
    snprintf(msg, sizeof msg,
             "package entry \"config.json\": declares %zu bytes, more than "
             "the %zu allowed",
             big, WXG_PACKAGE_JSON_MAX);
    refused("huge config", z, len, msg);
    zip_patch(z, len, "config.json", NULL, 0, 10, UINT32_MAX);
    snprintf(msg, sizeof msg,
             "package entry \"config.json\": decompresses to more than %zu "
             "bytes, the most allowed (it declares 10)",
             WXG_PACKAGE_JSON_MAX);
    refused("lying config", z, len, msg);
    free(z);
    free(text);

    /*
     * The total: nine .json entries of almost 1 MiB each (not configs),
     * then a module that fits its own limit but not what is left.
     */
    size_t each = WXG_PACKAGE_JSON_MAX - 16;
    char *arr = malloc(each);
    memset(arr, ' ', each);
    arr[0] = '[';
    arr[each - 1] = ']';
    size_t mod = WXG_PACKAGE_WASM_MAX - 4096;
    zent t[11];
    static char tnames[9][32];
    t[0] = (zent)ZT("config.json", cfg);
    for (int i = 0; i < 9; i++) {
        snprintf(tnames[i], sizeof tnames[i], "data%d.json", i);
        t[1 + i] = (zent){tnames[i], arr, each, 0};
    }
    t[10] = (zent)ZW("big.wasm", zeros, mod);
    z = zip_make(t, N(t), &len);
    snprintf(msg, sizeof msg,
             "package entry \"big.wasm\": declares %zu bytes, and the "
             "package may decompress to %zu bytes in all",
             mod, WXG_PACKAGE_BYTES_MAX);
    refused("total", z, len, msg);
    zip_patch(z, len, "big.wasm", NULL, 0, 1000, UINT32_MAX);
    snprintf(msg, sizeof msg,
             "package entry \"big.wasm\": the package decompresses to more "
             "than %zu bytes in all (this entry declares 1000)",
             WXG_PACKAGE_BYTES_MAX);
    refused("total, lying", z, len, msg);
    free(z);
    free(arr);
    free(zeros);
}

static void test_corrupt(void)
{
    const char *cfg = config("bad", "bad.wasm", NULL);
    zent e[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    zip_patch(z, len, "bad.wasm", NULL, 0, UINT32_MAX, 0x12345678);
    refused("CRC", z, len,
            "package entry \"bad.wasm\": cannot read: CRC error");
    free(z);

    /* A flipped byte in stored data. */
    zent s[] = {ZT("config.json", cfg), {"bad.wasm", v1, v1_len, Z_STORE}};
    z = zip_make(s, N(s), &len);
    uint8_t *hit = memmem(z, len, v1, v1_len);
    CHECK(hit != NULL);
    if (hit)
        hit[v1_len - 1] ^= 0x55;
    refused("flipped byte", z, len,
            "package entry \"bad.wasm\": cannot read: CRC error");
    free(z);
}

static void test_configs(void)
{
    const char *cfg = config("bad", "bad.wasm", NULL);
    zent none[] = {ZW("bad.wasm", v1, v1_len), ZT("notes.json", "{\"a\": 1}")};
    refused_zip("no config", none, N(none),
                "package: no plugin config (no .json entry has "
                "\"vm_config\"; entries: bad.wasm, notes.json)");
    zent two[] = {ZT("a.json", cfg), ZW("bad.wasm", v1, v1_len),
                  ZT("b/c.json", config("bad2", "../bad.wasm", NULL))};
    refused_zip("two configs", two, N(two),
                "package: two plugin configs, \"a.json\" and \"b/c.json\" "
                "(a .json entry with \"vm_config\" is the config; a "
                "package holds exactly one)");
    zent miss[] = {ZT("config.json", cfg), ZW("bads.wasm", v1, v1_len)};
    refused_zip("missing module", miss, N(miss),
                "package entry \"config.json\": vm_config.path: "
                "\"bad.wasm\" is not in the package (entries: config.json, "
                "bads.wasm)");
    zent up[] = {ZT("config.json", config("bad", "../bad.wasm", NULL)),
                 ZW("bad.wasm", v1, v1_len)};
    refused_zip("module outside", up, N(up),
                "package entry \"config.json\": vm_config.path: "
                "\"../bad.wasm\" leaves the package");
    zent abs[] = {ZT("config.json", config("bad", "/opt/bad.wasm", NULL)),
                  ZW("bad.wasm", v1, v1_len)};
    refused_zip("absolute module path", abs, N(abs),
                "package entry \"config.json\": vm_config.path: "
                "\"/opt/bad.wasm\" is absolute; in a package it names an "
                "entry, relative to the config's directory");
    zent pre[] = {ZT("config.json",
                     config("bad", "bad.wasm",
                            "\"wasi\": {\"preopens\": {\"/data\": \"data\"}}")),
                  ZW("bad.wasm", v1, v1_len)};
    refused_zip("relative preopen", pre, N(pre),
                "package entry \"config.json\": wasi.preopens./data: "
                "\"data\" is relative, and a package has no directory to "
                "resolve it against (use an absolute path)");

    /* Bad JSON, in the config or any other .json entry: the messages are
     * jansson's, behind the entry's name. */
    static const char broken[] = "{\"name\": \"bad\", \"vm_config\": ";
    json_error_t je;
    json_t *j = json_loads(broken, 0, &je);
    CHECK(j == NULL);
    char msg[640];
    snprintf(msg, sizeof msg,
             "package entry \"other.json\": invalid JSON at line %d, column "
             "%d: %s",
             je.line, je.column, je.text);
    zent bj[] = {ZT("config.json", cfg), ZW("bad.wasm", v1, v1_len),
                 ZT("other.json", broken)};
    refused_zip("invalid JSON", bj, N(bj), msg);

    /* A config error: as `plugin add` words it, behind the entry. */
    const char *badcfg = config("bad", "bad.wasm", "\"instance_num\": 0");
    wx_error err;
    wxg_config *c = wxg_config_parse(badcfg, strlen(badcfg), NULL, &err);
    CHECK(c == NULL);
    snprintf(msg, sizeof msg, "package entry \"config.json\": %s",
             err.message);
    zent bc[] = {ZT("config.json", badcfg), ZW("bad.wasm", v1, v1_len)};
    refused_zip("config error", bc, N(bc), msg);

    /* A listed function the module lacks: the manager's check. */
    zent nf[] = {ZT("config.json",
                    "{\"name\": \"bad\", \"vm_config\": {\"path\": "
                    "\"bad.wasm\"}, \"functions\": [\"nope\"]}"),
                 ZW("bad.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(nf, N(nf), &len);
    CHECK(wx_manager_add_package(m, z, len, NULL, &err) == WX_ENOEXPORT);
    CHECK_MSG(strstr(err.message, "\"nope\" is not exported") != NULL, "%s",
              err.message);
    unchanged("not exported");
    free(z);
}

/* A bad package given to update leaves the running version alone. */
static void test_bad_update(void)
{
    /* The package is another plugin's than the one meant. */
    zent car[] = {ZT("config.json", config("car", "car.wasm", NULL)),
                  ZW("car.wasm", v1, v1_len)};
    size_t clen;
    uint8_t *cz = zip_make(car, N(car), &clen);
    wx_error err;
    wx_status s = wx_manager_update_package(m, cz, clen, "bus", NULL, &err);
    CHECK(s == WX_EARG);
    CHECK_MSG(strcmp(err.message, "name: the package's config names "
                                  "\"car\", not \"bus\"") == 0,
              "%s", err.message);
    unchanged("update of another plugin");
    /* Adding it again: the name is taken. */
    refused_as("add twice", cz, clen, false, WX_EEXIST,
               "plugin \"car\" is already registered (update it instead)");
    free(cz);

    zent e[] = {ZT("config.json", config("car", "car.wasm", NULL)),
                ZW("../car.wasm", v1, v1_len)};
    size_t len;
    uint8_t *z = zip_make(e, N(e), &len);
    refused_as("bad update", z, len, true, WX_EARG,
               "package entry \"../car.wasm\": path leaves the package");
    free(z);
    CHECK(value_of("car") == 2);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(db, sizeof db, "%s/registry.db", tmpdir);
    v1 = slurp(WX_PKG_GUESTS "/pkg_v1.wasm", &v1_len);
    v2 = slurp(WX_PKG_GUESTS "/pkg_v2.wasm", &v2_len);
    wx_error err;
    m = wx_manager_open(db, NULL, &err);
    if (!m)
        die("open", err.message);

    test_add_and_update(); /* leaves car at version 2: the baseline */
    test_subdirectory();
    test_ekuiper_layout();
    test_not_zip();
    test_bad_names();
    test_bad_kinds();
    test_sizes();
    test_corrupt();
    test_configs();
    test_bad_update();

    wx_manager_close(m);
    wx_free(base_live);
    wx_free(base_file);
    free(v1);
    free(v2);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return CHECK_DONE();
}
