/*
 * Plugin packages (package.h): a zip in memory -> a parsed config and the
 * module's bytes, or an error that names the entry at fault.
 *
 * The steps, each of which may refuse the package:
 *
 *   1. libzip opens the bytes (zip_source_buffer_create: nothing touches
 *      the disk) with its consistency checks on;
 *   2. every entry is checked: its name (no NUL, not absolute, no
 *      backslash, no "..", "." or empty component), its kind (no
 *      symbolic link), no encryption, no duplicate name, and the count;
 *   3. every .json entry is read and parsed; the one with "vm_config" is
 *      the config (eKuiper's NAME.json in an `ekuiper pack` zip has none);
 *   4. the config is parsed as `plugin add` parses it; vm_config.path,
 *      relative to the config's directory in the zip, names the module,
 *      which is read.
 *
 * Reading decompresses into memory with caps on the bytes produced, since
 * the sizes a zip declares may lie (libzip reads past a declared size).
 */
#include "package.h"

#include "dl_jansson.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "dl_zip.h" /* libzip, loaded on first need */

typedef struct entry {
    const char *name;    /* libzip's (UTF-8), lives with the archive */
    zip_uint64_t size;   /* as declared */
    bool dir;
} entry;

typedef struct reader {
    zip_t *za;
    entry e[WXG_PACKAGE_ENTRIES_MAX];
    size_t n;
    size_t total; /* bytes decompressed so far */
    wx_error *err;
} reader;

/* ------------------------------------------------------------ messages */

/* `name` as messages show it: control bytes as '?', cut with "..." when
 * longer than `size` allows (size >= 8). */
static void shown(const char *name, char *buf, size_t size)
{
    size_t n = strlen(name), keep = n < size ? n : size - 4;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(buf + keep, keep < n ? "..." : "");
}

/* "package: <problem>"; returns WX_EARG. */
static wx_status pkg_fail(wx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static wx_status pkg_fail(wx_error *err, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wx_error_set(err, WX_EARG, "package: %s", msg);
}

/* "package entry "<name>": <problem>"; returns WX_EARG. */
static wx_status entry_fail(wx_error *err, const char *name,
                            const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static wx_status entry_fail(wx_error *err, const char *name,
                            const char *fmt, ...)
{
    char msg[sizeof err->message], who[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    shown(name, who, sizeof who);
    return wx_error_set(err, WX_EARG, "package entry \"%s\": %s", who, msg);
}

static wx_status no_memory(wx_error *err)
{
    return wx_error_set(err, WX_ENOMEM, "out of host memory");
}

/* The entries' names, comma-separated, cut with "..." to fit. */
static void entry_list(const reader *r, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        char who[64];
        shown(r->e[i].name, who, sizeof who);
        const char *sep = i ? ", " : "";
        if (at + strlen(sep) + strlen(who) + 4 > size) {
            snprintf(buf + at, size - at, "%s...", sep);
            return;
        }
        at += (size_t)snprintf(buf + at, size - at, "%s%s", sep, who);
    }
}

/* ------------------------------------------------------ raw names: NUL */

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * The central directory of a zip that libzip has opened: where it starts
 * and how long it is, found from the end-of-directory record (and its
 * zip64 form). False when it cannot be found, which libzip's successful
 * open makes unlikely; the caller then has nothing to scan.
 */
static bool central_directory(const uint8_t *d, size_t len, size_t *start,
                              size_t *size)
{
    if (len < 22)
        return false;
    /* The record is 22 bytes plus a comment of up to 65535. */
    size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (size_t p = len - 22 + 1; p-- > lo;) {
        if (memcmp(d + p, "PK\5\6", 4) != 0 ||
            p + 22 + le16(d + p + 20) > len)
            continue;
        uint64_t cd_size = le32(d + p + 12);
        size_t end = p; /* the directory ends where the records start */
        if (cd_size == 0xffffffffu || le32(d + p + 16) == 0xffffffffu) {
            /* zip64: a locator (20 bytes) and a 56-byte record before. */
            if (p < 20 + 56 || memcmp(d + p - 20, "PK\6\7", 4) != 0)
                return false;
            end = p - 20 - 56;
            if (memcmp(d + end, "PK\6\6", 4) != 0)
                return false;
            cd_size = le64(d + end + 40);
        }
        if (cd_size > end)
            return false;
        *start = end - (size_t)cd_size;
        *size = (size_t)cd_size;
        return true;
    }
    return false;
}

/* Called for each name of the raw central directory, in order; false
 * stops the walk. */
typedef bool name_fn(void *ctx, const uint8_t *name, size_t len);

static void walk_names(const uint8_t *d, size_t len, name_fn *fn, void *ctx)
{
    size_t p, cd_size;
    if (!central_directory(d, len, &p, &cd_size))
        return;
    size_t end = p + cd_size;
    while (p + 46 <= end && memcmp(d + p, "PK\1\2", 4) == 0) {
        size_t nlen = le16(d + p + 28);
        if (p + 46 + nlen > end || !fn(ctx, d + p + 46, nlen))
            return;
        p += 46 + nlen + le16(d + p + 30) + le16(d + p + 32);
    }
}

/* A raw name for messages: NUL written "\0", other control bytes '?'. */
static void raw_shown(const uint8_t *name, size_t len, char *buf,
                      size_t size)
{
    size_t k = 0;
    for (size_t j = 0; j < len && k + 6 < size; j++) {
        if (name[j] == 0) {
            memcpy(buf + k, "\\0", 2);
            k += 2;
        } else {
            buf[k++] = name[j] < 0x20 || name[j] == 0x7f ? '?'
                                                         : (char)name[j];
        }
    }
    buf[k] = '\0';
}

typedef struct raw_search {
    char shown[160]; /* the name found, or "" */
    size_t n;        /* names seen (duplicates) */
    const uint8_t *names[WXG_PACKAGE_ENTRIES_MAX];
    size_t lens[WXG_PACKAGE_ENTRIES_MAX];
} raw_search;

/*
 * libzip replaces a NUL inside an entry name by a space as it reads the
 * directory, so the name it hands out cannot show one. A NUL in a name
 * is a classic trick against tools that do see it (the name is cut
 * short), so the raw directory is searched for it.
 */
static bool find_nul(void *ctx, const uint8_t *name, size_t len)
{
    raw_search *rs = ctx;
    if (!memchr(name, 0, len))
        return true;
    raw_shown(name, len, rs->shown, sizeof rs->shown);
    return false;
}

/* libzip refuses to open a zip with two entries of one name without
 * saying which: the raw directory says. */
static bool find_duplicate(void *ctx, const uint8_t *name, size_t len)
{
    raw_search *rs = ctx;
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->lens[i] == len && memcmp(rs->names[i], name, len) == 0) {
            raw_shown(name, len, rs->shown, sizeof rs->shown);
            return false;
        }
    }
    if (rs->n == WXG_PACKAGE_ENTRIES_MAX)
        return false;
    rs->names[rs->n] = name;
    rs->lens[rs->n++] = len;
    return true;
}

/* ------------------------------------------------------------- entries */

/* What is wrong with an entry name, or NULL. */
static const char *name_problem(const char *name)
{
    if (!*name)
        return "empty name";
    if (name[0] == '/')
        return "absolute path (a package holds relative paths only)";
    if (strchr(name, '\\'))
        return "backslash in the path (zip paths use \"/\")";
    int depth = 0;
    bool dotdot = false, empty = false;
    for (const char *c = name; *c;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            dotdot = true;
            if (--depth < 0)
                return "path leaves the package";
        } else if (n == 0 || (n == 1 && c[0] == '.')) {
            empty = true;
        } else {
            depth++;
        }
        if (!slash)
            break;
        c = slash + 1; /* a trailing '/' (a directory) ends the loop */
    }
    if (dotdot)
        return "\"..\" in the path (write it without)";
    if (empty)
        return "empty or \".\" component in the path (write it without)";
    return NULL;
}

/* Checks entry i and records it in r->e[i]. */
static wx_status check_entry(reader *r, zip_uint64_t i)
{
    const char *name = zip_get_name(r->za, i, 0);
    if (!name)
        return pkg_fail(r->err, "entry %llu: %s", (unsigned long long)i,
                        zip_strerror(r->za));
    const char *problem = name_problem(name);
    if (problem)
        return entry_fail(r->err, name, "%s", problem);
    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->e[k].name, name) == 0)
            return entry_fail(r->err, name, "appears twice in the package");

    zip_uint8_t opsys;
    zip_uint32_t attr;
    if (zip_file_get_external_attributes(r->za, i, 0, &opsys, &attr) == 0 &&
        opsys == ZIP_OPSYS_UNIX && ((attr >> 16) & S_IFMT) == S_IFLNK)
        return entry_fail(r->err, name,
                          "symbolic link (a package holds plain files "
                          "only)");
    zip_stat_t st;
    if (zip_stat_index(r->za, i, 0, &st) != 0)
        return entry_fail(r->err, name, "%s", zip_strerror(r->za));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
        st.encryption_method != ZIP_EM_NONE)
        return entry_fail(r->err, name,
                          "encrypted (a package cannot be encrypted)");
    size_t nlen = strlen(name);
    r->e[r->n++] = (entry){
        .name = name,
        .size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0,
        .dir = name[nlen - 1] == '/',
    };
    return WX_OK;
}

/*
 * Decompresses entry k into a malloc'd buffer (*out, *len; one spare
 * byte for a NUL), refusing more than `cap` bytes for the entry and more
 * than WXG_PACKAGE_BYTES_MAX for the package in all: first by the
 * declared size, then by the bytes actually produced.
 */
static wx_status read_entry(reader *r, size_t k, size_t cap, uint8_t **out,
                            size_t *len)
{
    const entry *e = &r->e[k];
    unsigned long long declared = e->size;
    size_t left = WXG_PACKAGE_BYTES_MAX - r->total;
    if (declared > cap)
        return entry_fail(r->err, e->name,
                          "declares %llu bytes, more than the %zu allowed",
                          declared, cap);
    if (declared > left)
        return entry_fail(r->err, e->name,
                          "declares %llu bytes, and the package may "
                          "decompress to %zu bytes in all",
                          declared, WXG_PACKAGE_BYTES_MAX);
    size_t limit = cap < left ? cap : left;
    zip_file_t *zf = zip_fopen_index(r->za, k, 0);
    if (!zf)
        return entry_fail(r->err, e->name, "cannot read: %s",
                          zip_strerror(r->za));
    /* Start from the declared size (checked above), grow if it lied. */
    size_t size = (size_t)declared < 4096 ? 4096 : (size_t)declared;
    size_t n = 0;
    uint8_t *buf = malloc(size + 1);
    wx_status s = WX_OK;
    while (buf) {
        if (n == size) {
            size_t grown = size > limit / 2 ? limit + 1 : 2 * size;
            uint8_t *b = realloc(buf, grown + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            size = grown;
        }
        /* Never more than one byte past the limit. */
        size_t want = size - n;
        if (want > limit + 1 - n)
            want = limit + 1 - n;
        zip_int64_t got = zip_fread(zf, buf + n, want);
        if (got < 0) {
            s = entry_fail(r->err, e->name, "cannot read: %s",
                           zip_file_strerror(zf));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > limit) {
            s = limit == cap
                    ? entry_fail(r->err, e->name,
                                 "decompresses to more than %zu bytes, the "
                                 "most allowed (it declares %llu)",
                                 cap, declared)
                    : entry_fail(r->err, e->name,
                                 "the package decompresses to more than %zu "
                                 "bytes in all (this entry declares %llu)",
                                 WXG_PACKAGE_BYTES_MAX, declared);
            break;
        }
    }
    zip_fclose(zf);
    if (!buf)
        return no_memory(r->err);
    if (s != WX_OK) {
        free(buf);
        return s;
    }
    r->total += n;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return WX_OK;
}

/* ------------------------------------------------------------- config */

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcasecmp(name + n - 5, ".json") == 0;
}

/* Reads .json entry k and parses it into *j. */
static wx_status read_json(reader *r, size_t k, json_t **j)
{
    uint8_t *text;
    size_t len;
    wx_status s = read_entry(r, k, WXG_PACKAGE_JSON_MAX, &text, &len);
    if (s != WX_OK)
        return s;
    json_error_t je;
    *j = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!*j)
        return entry_fail(r->err, r->e[k].name,
                          "invalid JSON at line %d, column %d: %s", je.line,
                          je.column, je.text);
    return WX_OK;
}

/*
 * Reads every .json entry and picks the one with "vm_config": *root
 * (a reference) and its index *which. A broken .json entry fails the
 * package even when it is not the config: it might have been.
 */
static wx_status find_config(reader *r, json_t **root, size_t *which)
{
    *root = NULL;
    wx_status s = WX_OK;
    for (size_t k = 0; k < r->n && s == WX_OK; k++) {
        if (r->e[k].dir || !is_json_name(r->e[k].name))
            continue;
        json_t *j = NULL;
        s = read_json(r, k, &j);
        if (s != WX_OK || !json_is_object(j) ||
            !json_object_get(j, "vm_config")) {
            json_decref(j);
            continue;
        }
        if (*root) {
            char a[128], b[128];
            shown(r->e[*which].name, a, sizeof a);
            shown(r->e[k].name, b, sizeof b);
            s = pkg_fail(r->err,
                         "two plugin configs, \"%s\" and \"%s\" (a .json "
                         "entry with \"vm_config\" is the config; a "
                         "package holds exactly one)",
                         a, b);
            json_decref(j);
            continue;
        }
        *root = j;
        *which = k;
    }
    if (s != WX_OK) {
        json_decref(*root);
        *root = NULL;
        return s;
    }
    if (!*root) {
        char list[200];
        entry_list(r, list, sizeof list);
        return pkg_fail(r->err,
                        "no plugin config (no .json entry has "
                        "\"vm_config\"; entries: %s)",
                        list);
    }
    return WX_OK;
}

/* The config's parse error, prefixed with its entry. */
static wx_status config_fail(reader *r, size_t which)
{
    if (r->err->status == WX_ENOMEM)
        return WX_ENOMEM;
    char msg[sizeof r->err->message];
    snprintf(msg, sizeof msg, "%s", r->err->message);
    return entry_fail(r->err, r->e[which].name, "%s", msg);
}

/* Refuses relative wasi.preopens: there is no directory to resolve them
 * against (the package is never extracted). */
static wx_status check_preopens(reader *r, size_t which,
                                const wxg_config *cfg)
{
    for (size_t i = 0; i < cfg->wasi.npreopens; i++) {
        const wx_kv *kv = &cfg->wasi.preopens[i];
        if (kv->value[0] != '/')
            return entry_fail(r->err, r->e[which].name,
                              "wasi.preopens.%s: \"%s\" is relative, and a "
                              "package has no directory to resolve it "
                              "against (use an absolute path)",
                              kv->key, kv->value);
    }
    return WX_OK;
}

/*
 * The entry vm_config.path names: `path` relative to the directory of
 * the config's entry, with "." and ".." applied. *wasm gets its index.
 */
static wx_status find_module(reader *r, size_t which, const char *path,
                             size_t *wasm)
{
    const char *cfg_name = r->e[which].name;
    if (path[0] == '/')
        return entry_fail(r->err, cfg_name,
                          "vm_config.path: \"%s\" is absolute; in a package "
                          "it names an entry, relative to the config's "
                          "directory",
                          path);
    if (strchr(path, '\\'))
        return entry_fail(r->err, cfg_name,
                          "vm_config.path: \"%s\": backslash in the path "
                          "(zip paths use \"/\")",
                          path);
    const char *slash = strrchr(cfg_name, '/');
    size_t dlen = slash ? (size_t)(slash - cfg_name) + 1 : 0;
    size_t plen = strlen(path);
    char *joined = malloc(dlen + plen + 1);
    if (!joined)
        return no_memory(r->err);
    /* The config's directory, then path's components one by one: each
     * adds at most the bytes it was read from, so `joined` is big enough.
     * The directory ends in '/', and so does every component but a last
     * one, which is what ".." relies on. */
    memcpy(joined, cfg_name, dlen);
    size_t at = dlen;
    for (const char *c = path; *c;) {
        const char *s = strchr(c, '/');
        size_t n = s ? (size_t)(s - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (at == 0) {
                free(joined);
                return entry_fail(r->err, cfg_name,
                                  "vm_config.path: \"%s\" leaves the "
                                  "package",
                                  path);
            }
            /* Drop the last component (at ends with '/'). */
            at--;
            while (at && joined[at - 1] != '/')
                at--;
        } else if (n && !(n == 1 && c[0] == '.')) {
            memcpy(joined + at, c, n);
            at += n;
            if (s)
                joined[at++] = '/';
        }
        if (!s)
            break;
        c = s + 1;
    }
    joined[at] = '\0';
    for (size_t k = 0; k < r->n; k++) {
        if (!r->e[k].dir && strcmp(r->e[k].name, joined) == 0) {
            free(joined);
            *wasm = k;
            return WX_OK;
        }
    }
    char list[160];
    entry_list(r, list, sizeof list);
    entry_fail(r->err, cfg_name,
               "vm_config.path: \"%s\" is not in the package (entries: %s)",
               path, list);
    free(joined);
    return WX_EARG;
}

/* ------------------------------------------------------------- reading */

/* Opens the zip and checks every entry. */
static wx_status open_package(reader *r, const void *data, size_t len)
{
    /* The smallest zip is its 22-byte end record. */
    if (len < 22)
        return pkg_fail(r->err, "not a zip archive (%zu bytes)", len);
    if (wxdl_zip_load(r->err) != WX_OK)
        return r->err->status;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src)
        r->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!r->za) {
        int code = zip_error_code_zip(&ze);
        raw_search rs = {.n = 0};
        if (code == ZIP_ER_EXISTS)
            walk_names(data, len, find_duplicate, &rs);
        wx_status s =
            code == ZIP_ER_MEMORY ? no_memory(r->err)
            : code == ZIP_ER_NOZIP ? pkg_fail(r->err, "not a zip archive")
            : rs.shown[0]
                ? wx_error_set(r->err, WX_EARG,
                               "package entry \"%s\": appears twice in the "
                               "package",
                               rs.shown)
                : pkg_fail(r->err, "damaged zip: %s",
                           zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return s;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(r->za, 0);
    if (n <= 0)
        return pkg_fail(r->err, "the zip holds no entries");
    if (n > WXG_PACKAGE_ENTRIES_MAX)
        return pkg_fail(r->err, "%lld entries, more than the limit of %d",
                        (long long)n, WXG_PACKAGE_ENTRIES_MAX);
    raw_search rs = {.n = 0};
    walk_names(data, len, find_nul, &rs);
    if (rs.shown[0])
        return wx_error_set(r->err, WX_EARG,
                            "package entry \"%s\": NUL byte in the name",
                            rs.shown);
    for (zip_int64_t i = 0; i < n; i++) {
        wx_status s = check_entry(r, (zip_uint64_t)i);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

/* The config with vm_config.path rewritten to say where the module came
 * from: it is no file, and `plugin check` must not take it for one. */
static wxg_config *rewrite_path(reader *r, json_t *root, size_t which,
                                size_t wasm)
{
    const char *name = r->e[wasm].name;
    size_t n = sizeof WXG_PACKAGE_PATH_PREFIX - 1 + strlen(name) + 1;
    char *path = malloc(n);
    json_t *p = NULL;
    if (path) {
        snprintf(path, n, "%s%s", WXG_PACKAGE_PATH_PREFIX, name);
        p = json_string(path);
        free(path);
    }
    if (!p ||
        json_object_set_new(json_object_get(root, "vm_config"), "path", p)) {
        no_memory(r->err);
        return NULL;
    }
    wxg_config *cfg = wxg_config_from_json(root, NULL, r->err);
    if (!cfg)
        config_fail(r, which);
    return cfg;
}

wx_status wxg_package_read(const void *data, size_t len, wxg_package *out,
                           wx_error *err)
{
    wx_error local;
    reader *r = calloc(1, sizeof *r);
    memset(out, 0, sizeof *out);
    if (!r)
        return no_memory(err);
    r->err = err ? err : &local;
    json_t *root = NULL;
    wxg_config *cfg = NULL;
    size_t which = 0, wasm = 0;
    wx_status s = open_package(r, data, len);
    if (s == WX_OK)
        s = find_config(r, &root, &which);
    if (s == WX_OK) {
        cfg = wxg_config_from_json(root, NULL, r->err);
        s = cfg ? check_preopens(r, which, cfg) : config_fail(r, which);
    }
    if (s == WX_OK)
        s = find_module(r, which, cfg->path, &wasm);
    if (s == WX_OK)
        s = read_entry(r, wasm, WXG_PACKAGE_WASM_MAX, &out->wasm,
                       &out->wasm_len);
    if (s == WX_OK) {
        out->cfg = rewrite_path(r, root, which, wasm);
        if (!out->cfg) {
            s = r->err->status;
            free(out->wasm);
            out->wasm = NULL;
        }
    }
    wxg_config_free(cfg);
    json_decref(root);
    if (r->za)
        zip_discard(r->za);
    free(r);
    return s;
}

void wxg_package_free(wxg_package *pkg)
{
    if (!pkg)
        return;
    wxg_config_free(pkg->cfg);
    free(pkg->wasm);
    memset(pkg, 0, sizeof *pkg);
}
