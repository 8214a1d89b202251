/*
 * `wasmext ekuiper pack CONFIG.json -o NAME.zip`: the package eKuiper 2.x
 * installs through POST /plugins/portables (PROTOCOL.md 2.11):
 *
 *   NAME.json             eKuiper's metadata: language "go" (any native
 *                         executable passes as go), executable, functions
 *   NAME                  the executable, a shell script (mode 0755 in the
 *                         zip entry: eKuiper recreates files with the
 *                         entry's mode, and refuses to run one without it)
 *   wasmext-plugin/bin/wasmext
 *                         the wasmext binary, copied from the running one
 *                         (/proc/self/exe) unless --wasmext names another,
 *                         so that the package needs nothing installed but
 *                         the shared libraries wasmext links
 *   wasmext-plugin/config.json
 *                         the plugin config, its path made relative
 *   wasmext-plugin/NAME.wasm
 *                         the module
 *
 *   wasmext-plugin/lib/   with --bundle-libs: the shared libraries the
 *                         binary loads, but glibc's (which must be the
 *                         host's own), found in the running process
 *
 * The directory's name has a '-', which no plugin name has, so it never
 * meets the script's.
 *
 * The config is checked first exactly as `wasmext plugin add` would (in a
 * throw-away registry), so that a package that installs also loads; the
 * plugin name and function names must also suit eKuiper (SQL identifiers
 * that fit in a socket path).
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "builtins.h"
#include "internal.h"

#include <errno.h>
#include <link.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dl_nng.h"
#include "dl_sqlite.h"
#include "dl_zip.h" /* libzip, loaded on first need */

/* Longest function name whose socket path "/tmp/func_<name>.ipc" fits a
 * Unix socket address (108 bytes with the NUL). */
#define FUNC_NAME_MAX 93
#define FILE_MAX (512u << 20)

static const char pack_help[] =
    "Usage: wasmext ekuiper pack CONFIG.json [-o NAME.zip] [--wasmext PATH]\n"
    "\n"
    "Builds the zip that eKuiper 2.x installs as a portable plugin, from a\n"
    "plugin config (the same JSON as 'wasmext plugin add'). The config and\n"
    "its .wasm are checked as an add would check them. The package holds\n"
    "eKuiper's NAME.json, an executable script, the config, the .wasm and a\n"
    "copy of the wasmext binary, so it runs on any machine of the same\n"
    "platform: OS, CPU, and the shared libraries wasmext loads (jansson,\n"
    "sqlite3, nettle, nng, libzip, libmicrohttpd when built with the REST\n"
    "daemon, and those they load in turn, such as gnutls and mbedtls:\n"
    "'ldd wasmext' lists them all; --bundle-libs packs them).\n"
    "\n"
    "A function named like an eKuiper built-in (abs, count, concat, ...,\n"
    "in any case) gets a warning: eKuiper resolves built-ins first, so\n"
    "rules would never call it. Rename it in the config's functions.\n"
    "So does an Extism function without \"params\" or \"results\": it\n"
    "then takes and gives bytes, which eKuiper passes as base64 text.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  the zip to write (default: NAME.zip, NAME being\n"
    "                     the plugin's name)\n"
    "  --wasmext PATH     the wasmext binary to bundle (default: this one)\n"
    "  --bundle-libs      also bundle the shared libraries this wasmext\n"
    "                     loads, except glibc's, for hosts that lack them\n"
    "  -h, --help         this help\n"
    "\n"
    "Install it with:\n"
    "  curl -X POST http://127.0.0.1:9081/plugins/portables \\\n"
    "       -d '{\"name\":\"NAME\",\"file\":\"file:///abs/path/NAME.zip\"}'\n"
    "then call its functions in rules: SELECT fib(n) FROM demo.\n"
    "\n"
    "Exit status: 0 written; 1 the zip could not be written; 2 usage or\n"
    "config error.\n";

static int fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmext: ekuiper pack: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* A whole file in memory; NULL with errno set. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        size_t k = fread(data + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        char *d = cap < FILE_MAX ? realloc(data, 2 * cap + 1) : NULL;
        if (!d) {
            free(data);
            data = NULL;
            errno = cap < FILE_MAX ? ENOMEM : EFBIG;
            break;
        }
        data = d;
        cap *= 2;
    }
    if (data && ferror(f)) {
        free(data);
        data = NULL;
        errno = EIO;
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        *len = n;
    }
    return data;
}

/* An SQL identifier: what eKuiper can call. */
static bool sql_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

void wxk_dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* JSON as a text file: indented, in the order written, newline-ended. */
static char *dump_file(const json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t n = text ? strlen(text) : 0;
    char *t = text ? realloc(text, n + 2) : NULL;
    if (!t) {
        free(text);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    return t;
}

/* ------------------------------------------------------------ checks */

/* Loads the config into a throw-away registry, as `plugin add` would, and
 * returns the function names (a JSON array). */
static json_t *check_config(const char *text, const char *base_dir,
                            const char *name, int *code)
{
    char dir[] = "/tmp/wasmext-pack-XXXXXX";
    if (!mkdtemp(dir)) {
        *code =
            fail(1, "cannot make a temporary directory: %s", strerror(errno));
        return NULL;
    }
    char db[sizeof dir + 16];
    snprintf(db, sizeof db, "%s/registry.db", dir);
    json_t *names = NULL;
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    wxk_funcs fs;
    memset(&fs, 0, sizeof fs);
    if (!m) {
        *code = fail(1, "%s", err.message);
    } else if (wx_manager_add(m, text, base_dir, &err) != WX_OK ||
               wxk_funcs_load(m, name, &fs, &err) != WX_OK) {
        *code = fail(2, "%s", err.message);
    } else {
        names = json_array();
        for (uint32_t i = 0; names && i < fs.n; i++) {
            const char *f = fs.f[i].name;
            if (!sql_name(f) || strlen(f) > FUNC_NAME_MAX) {
                *code = fail(2,
                             "function \"%s\" cannot be an eKuiper function "
                             "(a SQL name: letters, digits and _, not "
                             "starting with a digit, at most %d bytes)",
                             f, FUNC_NAME_MAX);
                json_decref(names);
                names = NULL;
                break;
            }
            /* Not an error: the package works, only not for this name. */
            if (wxk_is_builtin(f))
                fprintf(stderr,
                        "wasmext: ekuiper pack: warning: function \"%s\" has "
                        "the name of an eKuiper built-in function; eKuiper "
                        "resolves built-ins first, so rules calling %s() "
                        "would never reach this plugin (export it under "
                        "another name)\n",
                        f, f);
            json_array_append_new(names, json_string(f));
        }
    }
    wxk_funcs_free(&fs);
    if (m)
        wx_manager_close(m);
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char p[sizeof db + 16];
        snprintf(p, sizeof p, "%s%s", db, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
    return names;
}

/* An Extism function whose config leaves out `params` or `results` takes
 * and gives bytes (config.md). In eKuiper that is a trap: []byte values
 * and SQL strings both arrive as JSON strings, so a bytes parameter reads
 * an SQL string as base64 ("Hello" fails, "abcd" quietly becomes three
 * other bytes), and a bytes result reaches the rule as base64 text. Not
 * an error (a rule may well pass decode(s, "base64")), but worth a word
 * at packing time, where the fix is one line of the config. */
static void warn_extism_bytes(const json_t *cfg)
{
    const json_t *funcs = json_object_get(cfg, "functions");
    for (size_t i = 0; i < json_array_size(funcs); i++) {
        const json_t *f = json_array_get(funcs, i);
        const char *abi = json_string_value(json_object_get(f, "abi"));
        const char *name = json_string_value(json_object_get(f, "name"));
        if (!name || !abi || strcmp(abi, "extism") != 0)
            continue;
        if (!json_object_get(f, "params"))
            fprintf(stderr,
                    "wasmext: ekuiper pack: warning: Extism function \"%s\" "
                    "has no \"params\", so its input is bytes: eKuiper "
                    "sends bytes as base64 text, and an SQL string passed "
                    "to %s() would be read as base64 (declare \"params\": "
                    "[\"string\"] or [\"json\"] to pass SQL values)\n",
                    name, name);
        if (!json_object_get(f, "results"))
            fprintf(stderr,
                    "wasmext: ekuiper pack: warning: Extism function \"%s\" "
                    "has no \"results\", so its output is bytes and "
                    "reaches rules as base64 text (declare \"results\": "
                    "[\"string\"] or [\"json\"] for an SQL string or "
                    "value)\n",
                    name);
    }
}

/* ------------------------------------------------------------- the zip */

typedef struct entry {
    const char *name;
    const char *data; /* owned by the caller until zip_close */
    size_t len;
    unsigned mode; /* 0755, 0644; directories when data is NULL */
} entry;

static bool load_plugin_libs(void)
{
    wx_error err;
    wx_error_clear(&err);
    /* jansson loads itself on its first call, which pack has made by
     * now; loaded here too, so that the bundle cannot miss it. */
    if (wxdl_jansson_load(&err) == WX_OK && wxdl_nng_load(&err) == WX_OK &&
        wxdl_sqlite_load(&err) == WX_OK && wxdl_zip_load(&err) == WX_OK)
        return true;
    fprintf(stderr, "wasmext: ekuiper pack: %s\n", err.message);
    return false;
}

static int write_zip(const char *out, const entry *e, size_t n)
{
    wx_error dl;
    wx_error_clear(&dl);
    if (wxdl_zip_load(&dl) != WX_OK)
        return fail(1, "%s", dl.message);
    int zerr = 0;
    zip_t *za = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        int code =
            fail(1, "cannot write %s: %s", out, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return code;
    }
    for (size_t i = 0; i < n; i++) {
        zip_int64_t idx;
        zip_uint32_t attr;
        if (!e[i].data) {
            idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);
            attr = (zip_uint32_t)(S_IFDIR | e[i].mode) << 16;
        } else {
            zip_source_t *src = zip_source_buffer(za, e[i].data, e[i].len, 0);
            idx =
                src ? zip_file_add(za, e[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
            if (src && idx < 0)
                zip_source_free(src);
            attr = (zip_uint32_t)(S_IFREG | e[i].mode) << 16;
        }
        if (idx < 0 ||
            zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
                                             ZIP_OPSYS_UNIX, attr) != 0) {
            int code = fail(1, "cannot add %s to %s: %s", e[i].name, out,
                            zip_strerror(za));
            zip_discard(za);
            return code;
        }
    }
    if (zip_close(za) != 0) {
        int code = fail(1, "cannot write %s: %s", out, zip_strerror(za));
        zip_discard(za);
        return code;
    }
    return 0;
}

/* The executable eKuiper runs, with its PortableConfig JSON as the one
 * argument and the plugin directory as the working directory. */
static char *script_text(const char *name)
{
    const char *fmt =
        "#!/bin/sh\n"
        "# eKuiper portable plugin \"%s\", made by 'wasmext ekuiper pack'.\n"
        "# eKuiper runs it with one argument, its PortableConfig JSON; the\n"
        "# bundled wasmext serves the functions of the bundled config.\n"
        "dir=$(dirname \"$0\")\n"
        "if [ -d \"$dir/wasmext-plugin/lib\" ]; then\n"
        "    LD_LIBRARY_PATH=\"$dir/wasmext-plugin/lib"
        "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n"
        "    export LD_LIBRARY_PATH\n"
        "fi\n"
        "exec \"$dir/wasmext-plugin/bin/wasmext\" ekuiper plugin "
        "\"$dir/wasmext-plugin/config.json\" \"$@\"\n";
    size_t n = strlen(fmt) + strlen(name) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, name);
    return s;
}

/* ------------------------------------------------------ shared libraries */

#define MAX_LIBS 48

typedef struct libs {
    size_t n;
    bool failed;
    char entry[MAX_LIBS][160]; /* wasmext-plugin/lib/<file> */
    char *data[MAX_LIBS];
    size_t len[MAX_LIBS];
} libs;

/* glibc's own libraries, which must come from the host. */
static bool is_glibc(const char *base)
{
    static const char *const prefix[] = {
        "ld-linux",      "ld64.so",     "libc.so",    "libm.so",
        "libpthread.so", "libdl.so",    "librt.so",   "libresolv.so",
        "libutil.so",    "linux-vdso",  "libmvec.so", "libanl.so",
        "libnsl.so",     "libcrypt.so",
    };
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (strncmp(base, prefix[i], strlen(prefix[i])) == 0)
            return true;
    return false;
}

static int add_lib(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    libs *l = ud;
    const char *path = info->dlpi_name;
    const char *base = path ? strrchr(path, '/') : NULL;
    if (!base || is_glibc(base + 1))
        return 0; /* the program itself, the vDSO, glibc */
    if (l->n == MAX_LIBS) {
        l->failed = true;
        return 1;
    }
    snprintf(l->entry[l->n], sizeof l->entry[l->n], "wasmext-plugin/lib/%s",
             base + 1);
    l->data[l->n] = slurp(path, &l->len[l->n]);
    if (!l->data[l->n]) {
        fprintf(stderr, "wasmext: ekuiper pack: cannot read %s: %s\n", path,
                strerror(errno));
        l->failed = true;
        return 1;
    }
    l->n++;
    return 0;
}

static void libs_free(libs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->data[i]);
    l->n = 0;
}

/* ---------------------------------------------------------------- main */

typedef struct pack_args {
    const char *config, *output, *wasmext;
    bool bundle_libs;
} pack_args;

static int parse_args(int argc, char **argv, pack_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            fputs(pack_help, stdout);
            return -1;
        } else if ((strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0) &&
                   i + 1 < argc) {
            a->output = argv[++i];
        } else if (strncmp(w, "--output=", 9) == 0) {
            a->output = w + 9;
        } else if (strcmp(w, "--wasmext") == 0 && i + 1 < argc) {
            a->wasmext = argv[++i];
        } else if (strncmp(w, "--wasmext=", 10) == 0) {
            a->wasmext = w + 10;
        } else if (strcmp(w, "--bundle-libs") == 0) {
            a->bundle_libs = true;
        } else if (w[0] == '-' && w[1] != '\0') {
            return fail(2,
                        "unknown option %s (or it lacks its value)\n"
                        "Try 'wasmext ekuiper pack --help'.",
                        w);
        } else if (!a->config) {
            a->config = w;
        } else {
            return fail(2,
                        "unexpected argument %s\n"
                        "Try 'wasmext ekuiper pack --help'.",
                        w);
        }
    }
    if (!a->config)
        return fail(2, "CONFIG.json is required\n"
                       "Try 'wasmext ekuiper pack --help'.");
    return 0;
}

int wxk_pack_main(int argc, char **argv)
{
    pack_args a;
    int code = parse_args(argc, argv, &a);
    if (code)
        return code < 0 ? 0 : code;

    size_t text_len, wasm_len = 0, exe_len = 0;
    char *text = slurp(a.config, &text_len);
    if (!text)
        return fail(2, "cannot read %s: %s", a.config, strerror(errno));
    char base_dir[PATH_MAX];
    wxk_dir_of(a.config, base_dir, sizeof base_dir);
    json_error_t je;
    json_t *cfg = json_loads(text, 0, &je);
    const char *name = json_string_value(json_object_get(cfg, "name"));
    const char *path = json_string_value(
        json_object_get(json_object_get(cfg, "vm_config"), "path"));
    json_t *names = NULL, *meta = NULL;
    static libs libs_; /* large: not on the stack */
    char *wasm = NULL, *exe = NULL, *script = NULL, *cfg_text = NULL;
    char *meta_text = NULL;
    char meta_name[128], wasm_name[128];
    if (!cfg) {
        code = fail(2, "%s:%d:%d: %s", a.config, je.line, je.column, je.text);
        goto done;
    }
    if (!name || !path) {
        /* The manager's check says exactly what is wrong. */
        names = check_config(text, base_dir, "?", &code);
        if (!code)
            code = fail(2, "%s: a config needs a name and vm_config.path",
                        a.config);
        goto done;
    }
    names = check_config(text, base_dir, name, &code);
    if (!names)
        goto done;
    warn_extism_bytes(cfg);

    /* The module, and the config pointing at its copy in the package. */
    char wasm_path[PATH_MAX];
    int n = path[0] == '/' ? snprintf(wasm_path, sizeof wasm_path, "%s", path)
                           : snprintf(wasm_path, sizeof wasm_path, "%s/%s",
                                      base_dir, path);
    if (n < 0 || (size_t)n >= sizeof wasm_path) {
        code = fail(2, "%s: vm_config.path is too long", a.config);
        goto done;
    }
    if (!(wasm = slurp(wasm_path, &wasm_len))) {
        code = fail(2, "cannot read %s: %s", wasm_path, strerror(errno));
        goto done;
    }
    snprintf(wasm_name, sizeof wasm_name, "%s.wasm", name);
    json_object_set_new(json_object_get(cfg, "vm_config"), "path",
                        json_string(wasm_name));
    cfg_text = dump_file(cfg);

    const char *exe_path = a.wasmext ? a.wasmext : "/proc/self/exe";
    if (!(exe = slurp(exe_path, &exe_len))) {
        code = fail(a.wasmext ? 2 : 1, "cannot read the wasmext binary %s: %s",
                    exe_path, strerror(errno));
        goto done;
    }

    /* eKuiper's metadata. The name is given so that installing the zip
     * under another name fails at once: the process dials the control
     * channel of the config's name, which must be the installed name. */
    meta = json_object();
    json_object_set_new(meta, "name", json_string(name));
    json_t *version = json_object_get(cfg, "version");
    if (json_is_string(version))
        json_object_set(meta, "version", version);
    json_object_set_new(meta, "language", json_string("go"));
    json_object_set_new(meta, "executable", json_string(name));
    json_object_set(meta, "functions", names);
    meta_text = dump_file(meta);
    script = script_text(name);
    if (!cfg_text || !meta_text || !script) {
        code = fail(1, "out of memory");
        goto done;
    }
    snprintf(meta_name, sizeof meta_name, "%s.json", name);
    char wasm_entry[sizeof wasm_name + 16];
    snprintf(wasm_entry, sizeof wasm_entry, "wasmext-plugin/%s", wasm_name);

    char out_default[160];
    if (!a.output) {
        snprintf(out_default, sizeof out_default, "%s.zip", name);
        a.output = out_default;
    }
    /* The libraries are those of this process: of the binary bundled
     * only when that is this one. */
    if (a.bundle_libs && a.wasmext) {
        code = fail(2, "--bundle-libs bundles this wasmext's libraries: it "
                       "cannot go with --wasmext");
        goto done;
    }
    /* The libraries of src/dl are loaded on first need: load the ones a
     * packed plugin uses (NNG; SQLite and libzip for a registry file or a
     * package) before listing this process's, so that they are bundled
     * too. */
    if (a.bundle_libs && !load_plugin_libs()) {
        code = fail(1, "cannot bundle the shared libraries");
        goto done;
    }
    if (a.bundle_libs &&
        (dl_iterate_phdr(add_lib, &libs_) != 0 || libs_.failed)) {
        code = fail(1, "cannot bundle the shared libraries");
        goto done;
    }
    entry entries[8 + MAX_LIBS] = {
        {meta_name, meta_text, strlen(meta_text), 0644},
        {name, script, strlen(script), 0755},
        {"wasmext-plugin", NULL, 0, 0755},
        {"wasmext-plugin/bin", NULL, 0, 0755},
        {"wasmext-plugin/bin/wasmext", exe, exe_len, 0755},
        {"wasmext-plugin/config.json", cfg_text, strlen(cfg_text), 0644},
        {wasm_entry, wasm, wasm_len, 0644},
    };
    size_t nentries = 7;
    if (libs_.n)
        entries[nentries++] = (entry){"wasmext-plugin/lib", NULL, 0, 0755};
    for (size_t i = 0; i < libs_.n; i++)
        entries[nentries++] =
            (entry){libs_.entry[i], libs_.data[i], libs_.len[i], 0755};
    code = write_zip(a.output, entries, nentries);
    if (code == 0) {
        char *list = json_dumps(names, JSON_COMPACT);
        char abs[PATH_MAX];
        printf("packed plugin %s (functions: %s) into %s\n"
               "install: POST /plugins/portables "
               "{\"name\":\"%s\",\"file\":\"file://%s\"}\n",
               name, list ? list : "?", a.output, name,
               realpath(a.output, abs) ? abs : a.output);
        free(list);
    }
done:
    libs_free(&libs_);
    free(text);
    free(wasm);
    free(exe);
    free(script);
    free(cfg_text);
    free(meta_text);
    json_decref(meta);
    json_decref(names);
    json_decref(cfg);
    return code;
}
