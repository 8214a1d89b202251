/*
 * The manager: the table of registered plugins, the changes that keep it
 * and the registry in step (add, update, delete), and the way calls find
 * a function and hold its version while they run. manager.h draws the
 * objects and the locks.
 *
 * A change runs under the admin lock from start to end: it builds the new
 * version (module, checks, pool: the slow part) while calls go on, stores
 * it in the registry, and only then publishes it, under the table's write
 * lock for a few instructions. So a failed change leaves no trace, and a
 * call never waits for a module to compile.
 */
#include "manager.h"
#include "package.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Public entry points work with a local error object when the caller
 * gives none, so that the layers below may always write one. */
#define LOCAL_ERROR(err)                                                      \
    wx_error local_err_;                                                      \
    (err) = (err) ? (err) : &local_err_

/* A .wasm bigger than this is refused before reading (4 GiB of code is no
 * function extension). */
#define WASM_FILE_MAX ((size_t)1 << 30)

void wx_free(void *p)
{
    free(p);
}

/* ------------------------------------------------------------ plugins */

static wxm_plugin *plugin_new(wx_manager *m, const char *name)
{
    size_t n = strlen(name);
    size_t size = (sizeof(wxm_plugin) + n + 1 + 63) & ~(size_t)63;
    wxm_plugin *p = aligned_alloc(64, size);
    if (!p)
        return NULL;
    memset(p, 0, size);
    for (int i = 0; i < WXM_SHARDS; i++)
        atomic_flag_clear(&p->shards[i].lock);
    atomic_init(&p->refs, 1);
    wxm_guestlog_init(&p->glog, m->opts.guest_log_rate);
    wxm_ring_init(&p->ring);
    p->mgr = m;
    memcpy(p->name, name, n + 1);
    return p;
}

void wxm_plugin_release(wxm_plugin *p)
{
    if (!p ||
        atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < p->ncounters; i++)
        free(p->counters[i]);
    free(p->counters);
    wxm_guestlog_destroy(&p->glog);
    wxm_ring_destroy(&p->ring);
    free(p);
}

static void plugin_retain(wxm_plugin *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

wxm_counter *wxm_plugin_counter(wxm_plugin *p, const char *name)
{
    for (uint32_t i = 0; i < p->ncounters; i++)
        if (strcmp(p->counters[i]->name, name) == 0)
            return p->counters[i];
    if (p->ncounters == p->counters_cap) {
        uint32_t cap = p->counters_cap ? 2 * p->counters_cap : 8;
        wxm_counter **c = realloc(p->counters, cap * sizeof *c);
        if (!c)
            return NULL;
        p->counters = c;
        p->counters_cap = cap;
    }
    size_t n = strlen(name);
    size_t size = (sizeof(wxm_counter) + n + 1 + 63) & ~(size_t)63;
    wxm_counter *c = aligned_alloc(64, size);
    if (!c)
        return NULL;
    memset(c, 0, size);
    for (int i = 0; i < WXM_SHARDS; i++)
        for (int k = 0; k < WX_STATUS_COUNT_; k++)
            atomic_init(&c->shards[i].by_status[k], 0);
    for (int i = 0; i < WXM_SHARDS; i++) {
        atomic_init(&c->fuel[i].sum, 0);
        for (unsigned k = 0; k < WX_FUEL_BUCKETS; k++)
            atomic_init(&c->fuel[i].buckets[k], 0);
    }
    c->index = p->ncounters;
    memcpy(c->name, name, n + 1);
    p->counters[p->ncounters++] = c;
    return c;
}

void wxm_counter_read(const wxm_counter *c, wx_function_info *info)
{
    /* Shard by shard, so that the reads go through memory in order. */
    uint64_t *by = info->errors_by_status;
    memset(by, 0, WX_STATUS_COUNT_ * sizeof *by);
    for (int i = 0; i < WXM_SHARDS; i++)
        for (int k = 0; k < WX_STATUS_COUNT_; k++)
            by[k] += atomic_load_explicit(&c->shards[i].by_status[k],
                                          memory_order_relaxed);
    info->calls = info->errors = 0;
    for (int k = 0; k < WX_STATUS_COUNT_; k++) {
        info->calls += by[k];
        if (k != WX_OK)
            info->errors += by[k];
    }
    by[WX_OK] = 0; /* the successes, which are no error */
    info->fuel_calls = info->fuel_sum = 0;
    memset(info->fuel_buckets, 0, sizeof info->fuel_buckets);
    for (int i = 0; i < WXM_SHARDS; i++) {
        info->fuel_sum +=
            atomic_load_explicit(&c->fuel[i].sum, memory_order_relaxed);
        for (unsigned k = 0; k < WX_FUEL_BUCKETS; k++)
            info->fuel_buckets[k] += atomic_load_explicit(
                &c->fuel[i].buckets[k], memory_order_relaxed);
    }
    for (unsigned k = 0; k < WX_FUEL_BUCKETS; k++)
        info->fuel_calls += info->fuel_buckets[k];
}

void wxm_count_fuel(wxm_func *f, uint64_t units, const uint64_t *per)
{
    wxm_fuel_shard *sh = &f->counter->fuel[wxm_thread_shard()];
    atomic_fetch_add_explicit(&sh->sum, units, memory_order_relaxed);
    for (unsigned k = 0; k < WX_FUEL_BUCKETS; k++)
        if (per[k])
            atomic_fetch_add_explicit(&sh->buckets[k], per[k],
                                      memory_order_relaxed);
}

void wxm_version_release(wxm_version *v)
{
    if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
        wxm_version_destroy(v);
}

static void shard_lock(wxm_pin_shard *s)
{
    while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire))
        sched_yield();
}

static void shard_unlock(wxm_pin_shard *s)
{
    atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

wxm_version *wxm_plugin_current(wxm_plugin *p)
{
    wxm_pin_shard *s = &p->shards[wxm_thread_shard()];
    shard_lock(s);
    wxm_version *v = p->cur;
    if (v)
        atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    shard_unlock(s);
    return v;
}

wxm_version *wxm_plugin_pin(wxm_plugin *p, unsigned *shard)
{
    *shard = wxm_thread_shard();
    wxm_pin_shard *s = &p->shards[*shard];
    shard_lock(s);
    wxm_version *v = p->cur;
    if (v)
        s->pins++;
    shard_unlock(s);
    return v;
}

void wxm_plugin_unpin(wxm_plugin *p, wxm_version *v, unsigned shard)
{
    wxm_pin_shard *s = &p->shards[shard];
    shard_lock(s);
    bool current = p->cur == v;
    if (current)
        s->pins--;
    shard_unlock(s);
    if (!current) /* swapped out meanwhile: the pin moved to v->refs */
        wxm_version_release(v);
}

/* Makes `v` current and returns the version it replaces, with a reference
 * for the caller plus one for each call still pinning it (see
 * wxm_pin_shard in manager.h). */
static wxm_version *plugin_swap(wxm_plugin *p, wxm_version *v)
{
    for (int i = 0; i < WXM_SHARDS; i++)
        shard_lock(&p->shards[i]);
    wxm_version *old = p->cur;
    uint64_t pins = 0;
    for (int i = 0; i < WXM_SHARDS; i++) {
        pins += p->shards[i].pins;
        p->shards[i].pins = 0;
    }
    if (old)
        atomic_fetch_add_explicit(&old->refs, (unsigned)pins,
                                  memory_order_relaxed);
    p->cur = v;
    for (int i = WXM_SHARDS - 1; i >= 0; i--)
        shard_unlock(&p->shards[i]);
    /* The new config's bound applies at once: recordings never exceed
     * what the config in force allows. */
    if (v && v->cfg)
        wxm_ring_bound(p, v->cfg->record_failed_calls);
    return old;
}

wxm_func *wxm_version_func(const wxm_version *v, const char *name)
{
    for (uint32_t i = 0; i < v->nfuncs; i++)
        if (strcmp(v->funcs[i].counter->name, name) == 0)
            return &v->funcs[i];
    return NULL;
}

/* -------------------------------------------------------------- table */

/* Index of the first plugin whose name is >= name. */
static size_t table_lower(const wx_manager *m, const char *name)
{
    size_t lo = 0, hi = m->nplugins;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->plugins[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

wxm_plugin *wxm_find_plugin(const wx_manager *m, const char *name)
{
    size_t i = table_lower(m, name);
    return i < m->nplugins && strcmp(m->plugins[i]->name, name) == 0
               ? m->plugins[i]
               : NULL;
}

/* Makes room for one more plugin (before taking the write lock, so that
 * publishing cannot fail half-way). */
static bool table_reserve(wx_manager *m)
{
    if (m->nplugins < m->plugins_cap)
        return true;
    size_t cap = m->plugins_cap ? 2 * m->plugins_cap : 16;
    wxm_plugin **pl = malloc(cap * sizeof *pl);
    if (!pl)
        return false;
    /* The old array may be read by lookups until the write lock is taken,
     * so the copy is made here and swapped in under the lock. */
    pthread_rwlock_wrlock(&m->table_lock);
    if (m->nplugins)
        memcpy(pl, m->plugins, m->nplugins * sizeof *pl);
    free(m->plugins);
    m->plugins = pl;
    m->plugins_cap = cap;
    pthread_rwlock_unlock(&m->table_lock);
    return true;
}

/* Write lock held; room reserved. */
static void table_insert(wx_manager *m, wxm_plugin *p)
{
    size_t i = table_lower(m, p->name);
    memmove(&m->plugins[i + 1], &m->plugins[i],
            (m->nplugins - i) * sizeof *m->plugins);
    m->plugins[i] = p;
    m->nplugins++;
}

/* Write lock held. */
static void table_remove(wx_manager *m, wxm_plugin *p)
{
    size_t i = table_lower(m, p->name);
    memmove(&m->plugins[i], &m->plugins[i + 1],
            (m->nplugins - i - 1) * sizeof *m->plugins);
    m->nplugins--;
}

static int fname_cmp(const void *a, const void *b)
{
    const wxm_fname *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->plugin->name, y->plugin->name);
}

/*
 * The function index of the table as it will be once `with` (if not
 * NULL) is the current version of its plugin: what a change computes
 * before publishing. Runs under the admin lock, which is what keeps every
 * plugin's `cur` from changing meanwhile. NULL when out of memory.
 */
static wxm_fname *index_build(const wx_manager *m, const wxm_version *with,
                              const wxm_plugin *without, size_t *count)
{
    size_t n = 0;
    const wxm_plugin *wp = with ? with->plugin : NULL;
    bool wp_seen = false;
    for (size_t i = 0; i < m->nplugins; i++) {
        const wxm_plugin *p = m->plugins[i];
        if (p == without)
            continue;
        const wxm_version *v = p == wp ? with : p->cur;
        wp_seen |= p == wp;
        n += v ? v->nfuncs : 0;
    }
    if (with && !wp_seen)
        n += with->nfuncs;
    wxm_fname *ix = malloc((n ? n : 1) * sizeof *ix);
    if (!ix)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < m->nplugins; i++) {
        const wxm_plugin *p = m->plugins[i];
        if (p == without)
            continue;
        const wxm_version *v = p == wp ? with : p->cur;
        for (uint32_t j = 0; v && j < v->nfuncs; j++)
            ix[k++] = (wxm_fname){v->funcs[j].counter->name, v->plugin};
    }
    if (with && !wp_seen)
        for (uint32_t j = 0; j < with->nfuncs; j++)
            ix[k++] = (wxm_fname){with->funcs[j].counter->name, with->plugin};
    qsort(ix, n, sizeof *ix, fname_cmp);
    *count = n;
    return ix;
}

/* The index range of function `name`: [*first, *first + count). */
static size_t index_range(const wx_manager *m, const char *name, size_t *first)
{
    size_t lo = 0, hi = m->nfnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->fnames[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < m->nfnames && strcmp(m->fnames[lo + n].name, name) == 0)
        n++;
    *first = lo;
    return n;
}

/* Appends `s` to the comma-separated list in buf (cut with "..."). */
static void list_append(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);
    if (len + 8 >= size)
        return;
    if (len && strcmp(buf + len - 3, "...") == 0)
        return;
    const char *sep = len ? ", " : "";
    if (len + strlen(sep) + strlen(s) + 5 >= size)
        snprintf(buf + len, size - len, "%s...", sep);
    else
        snprintf(buf + len, size - len, "%s%s", sep, s);
}

size_t wxm_claimants(const wx_manager *m, const wxm_plugin *except,
                     const char *name, char *buf, size_t size)
{
    size_t first, n = index_range(m, name, &first), count = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = first; i < first + n; i++) {
        if (m->fnames[i].plugin == except)
            continue;
        count++;
        if (size)
            list_append(buf, size, m->fnames[i].plugin->name);
    }
    return count;
}

/* --------------------------------------------------------------- open */

/* A malloc'd "<a><b>", or NULL when out of memory. */
static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    if (s) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
    }
    return s;
}

char *wx_manager_default_db(wx_error *err)
{
    /* WASMEXT_REGISTRY names any store (a Redis URL too), WASMEXT_DB
     * the file it always named; the newer name wins. */
    const char *db = getenv("WASMEXT_REGISTRY");
    if (!db || !*db)
        db = getenv("WASMEXT_DB");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char *path;
    if (db && *db)
        path = concat(db, "");
    else if (xdg && *xdg)
        path = concat(xdg, "/wasmext/registry.db");
    else if (home && *home)
        path = concat(home, "/.local/share/wasmext/registry.db");
    else {
        wx_error_set(err, WX_EARG,
                     "no registry path: set WASMEXT_REGISTRY, WASMEXT_DB, "
                     "XDG_DATA_HOME or HOME, or give one");
        return NULL;
    }
    if (!path)
        wx_error_set(err, WX_ENOMEM, "out of host memory");
    return path;
}

/* Loads stored plugin `name` into a version; never fails for a reason the
 * plugin gives (that makes a failed version), only when out of memory. */
/* What the registry says of a stored plugin, beside its config. */
static void set_meta(wxm_version *v, const wxg_record *rec)
{
    v->wasm_len = rec->wasm_len;
    snprintf(v->sha256, sizeof v->sha256, "%s", rec->sha256);
    v->revision = rec->version;
    v->created_ms = rec->created_ms;
    v->updated_ms = rec->updated_ms;
}

/*
 * wxg_registry_get, for a record whose config is read: a store that
 * keeps no config (registry.h: in memory, written only by this manager)
 * gives none, and the manager's current version of that plugin has it.
 * Admin lock held.
 */
static wx_status stored_get(wx_manager *m, const char *name, unsigned flags,
                            wxg_record *rec, wx_error *err)
{
    wx_status s = wxg_registry_get(m->reg, name, flags, rec, err);
    if (s != WX_OK || rec->config)
        return s;
    wxm_plugin *p = wxm_find_plugin(m, name);
    const char *text = p && p->cur ? wxm_version_config(p->cur) : NULL;
    if (text && (rec->config = strdup(text)))
        return WX_OK;
    wxg_record_free(rec);
    return wx_error_set(err, p && p->cur ? WX_ENOMEM : WX_EIO,
                        "registry %s: no config kept for plugin \"%s\"",
                        m->db_path, name);
}

/* A version of plugin p from its stored record (with the bytes), which
 * it frees; a failed version when the record does not load. */
static wxm_version *reload_from(wx_manager *m, wxm_plugin *p,
                                wxg_record *rec_in)
{
    wx_error e;
    wx_error_clear(&e);
    wxg_record rec = *rec_in;
    wxm_version *v = NULL;
    /* The bytes are checked against their stored digest, unless the store
     * has just computed that digest from these very bytes. */
    char sha[WXG_SHA256_HEX];
    wx_status hashed = WX_OK;
    if (wxg_registry_digest_on_demand(m->reg))
        snprintf(sha, sizeof sha, "%s", rec.sha256);
    else
        hashed = wxg_sha256_hex(rec.wasm, rec.wasm_len, sha, &e);
    wxg_config *cfg =
        hashed == WX_OK
            ? wxg_config_parse(rec.config, strlen(rec.config), NULL, &e)
            : NULL;
    if (hashed != WX_OK) {
        /* `e` says why (nettle could not be loaded). */
    } else if (!cfg) {
        char why[sizeof e.message];
        snprintf(why, sizeof why, "%s", e.message);
        wx_error_set(&e, e.status, "stored config: %s", why);
    } else if (strcmp(cfg->name, p->name) != 0) {
        wx_error_set(&e, WX_EARG,
                     "stored config: name \"%s\" differs from the "
                     "registered name",
                     cfg->name);
    } else if (strcmp(sha, rec.sha256) != 0) {
        wx_error_set(&e, WX_EIO,
                     "stored module is corrupt (sha256 %.12s..., expected "
                     "%.12s...)",
                     sha, rec.sha256);
    } else {
        v = wxm_version_build(m, p, cfg, rec.wasm, rec.wasm_len, sha, false,
                              &e);
    }
    if (!v) {
        char *text = rec.config;
        rec.config = NULL;
        v = wxm_version_failed(p, cfg, text, &e);
    }
    if (v)
        set_meta(v, &rec);
    wxg_record_free(&rec);
    return v;
}

static wxm_version *reload(wx_manager *m, wxm_plugin *p)
{
    wx_error e;
    wx_error_clear(&e);
    wxg_record rec;
    if (stored_get(m, p->name, 0, &rec, &e) != WX_OK)
        return wxm_version_failed(p, NULL, NULL, &e);
    return reload_from(m, p, &rec);
}

/*
 * A lazy manager's version of plugin p at open: its stored config and
 * metadata, without reading or compiling the module (wxm_version.pending).
 * A config that does not parse gives an error version, as a reload does.
 */
static wxm_version *placeholder(wx_manager *m, wxm_plugin *p)
{
    wx_error e;
    wx_error_clear(&e);
    wxg_record rec;
    if (stored_get(m, p->name, WXG_GET_NO_WASM, &rec, &e) != WX_OK)
        return wxm_version_failed(p, NULL, NULL, &e);
    wxm_version *v = NULL;
    wxg_config *cfg =
        wxg_config_parse(rec.config, strlen(rec.config), NULL, &e);
    char *text = rec.config;
    rec.config = NULL;
    if (cfg && strcmp(cfg->name, p->name) == 0) {
        v = wxm_version_pending(p, cfg, text);
    } else {
        /* What a load would say; let it say it. */
        wxg_config_free(cfg);
        free(text);
        v = reload(m, p);
    }
    if (v && v->pending)
        set_meta(v, &rec);
    wxg_record_free(&rec);
    return v;
}

void wxm_plugin_load(wxm_plugin *p)
{
    wx_manager *m = p->mgr;
    pthread_mutex_lock(&m->admin);
    wxm_version *v = wxm_plugin_current(p);
    if (v && v->pending) {
        wxm_version *loaded = reload(m, p);
        if (loaded) {
            pthread_rwlock_wrlock(&m->table_lock);
            wxm_version *old = plugin_swap(p, loaded);
            pthread_rwlock_unlock(&m->table_lock);
            wxm_version_release(old);
        }
    }
    wxm_version_release(v);
    pthread_mutex_unlock(&m->admin);
}

static wx_status load_all(wx_manager *m, wx_error *err)
{
    char **names;
    size_t count;
    /* The revision first: a change made while the list is read then shows
     * as a newer revision at the first sync, never as one already had. */
    int64_t rev;
    wx_status s = wxg_registry_revision(m->reg, &rev, err);
    if (s == WX_OK)
        s = wxg_registry_list(m->reg, &names, &count, err);
    if (s != WX_OK)
        return s;
    for (size_t i = 0; i < count && s == WX_OK; i++) {
        wxm_plugin *p = plugin_new(m, names[i]);
        wxm_version *v = !p            ? NULL
                         : m->opts.lazy ? placeholder(m, p)
                                        : reload(m, p);
        if (!v || !table_reserve(m)) {
            wxm_version_release(v);
            wxm_plugin_release(p);
            s = wx_error_set(err, WX_ENOMEM, "out of host memory");
            break;
        }
        p->cur = v;
        if (v->cfg)
            wxm_ring_bound(p, v->cfg->record_failed_calls);
        table_insert(m, p);
    }
    wxg_names_free(names, count);
    if (s == WX_OK) {
        m->fnames = index_build(m, NULL, NULL, &m->nfnames);
        if (!m->fnames)
            s = wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    if (s == WX_OK) {
        m->synced_rev = rev;
        wxm_health_up(m, false, false, rev);
    }
    return s;
}

wx_status wx_memory_budget_parse(const char *text, uint64_t *bytes,
                                 wx_error *err)
{
    const char *s = text ? text : "";
    uint64_t n = 0;
    const char *d = s;
    for (; *d >= '0' && *d <= '9'; d++) {
        if (n > (UINT64_MAX - 9) / 10)
            goto bad;
        n = n * 10 + (uint64_t)(*d - '0');
    }
    if (d == s)
        goto bad;
    unsigned shift = 0;
    switch (*d) {
    case '\0': break;
    case 'K': case 'k': shift = 10; d++; break;
    case 'M': case 'm': shift = 20; d++; break;
    case 'G': case 'g': shift = 30; d++; break;
    case 'T': case 't': shift = 40; d++; break;
    default: goto bad;
    }
    /* "512MiB" and "512MB" read as 512M too: people write them. */
    if (shift && (strcmp(d, "iB") == 0 || strcmp(d, "B") == 0 ||
                  strcmp(d, "ib") == 0 || strcmp(d, "b") == 0))
        d += strlen(d);
    if (*d || (shift && n > (UINT64_MAX >> shift)))
        goto bad;
    n <<= shift;
    if (n < WX_MIN_MEMORY_BUDGET)
        return wx_error_set(err, WX_EARG,
                            "memory budget \"%.64s\" is less than the "
                            "minimum of 1M (%llu bytes)",
                            s, (unsigned long long)WX_MIN_MEMORY_BUDGET);
    *bytes = n;
    return WX_OK;
bad:
    return wx_error_set(err, WX_EARG,
                        "memory budget \"%.64s\": expected a number of "
                        "bytes with an optional suffix K, M, G or T "
                        "(e.g. 512M, 2G)",
                        s);
}

/* The default budget: WX_DEFAULT_MEMORY_BUDGET, or half the physical
 * memory when that is less (a small machine would otherwise be promised
 * more than it has before a guest is ever refused). */
static uint64_t default_budget(void)
{
    uint64_t b = WX_DEFAULT_MEMORY_BUDGET;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && size > 0) {
        uint64_t half = (uint64_t)pages * (uint64_t)size / 2;
        if (half < b)
            b = half < WX_MIN_MEMORY_BUDGET ? WX_MIN_MEMORY_BUDGET : half;
    }
    return b;
}

static wx_status make_budget(wx_manager *m, wx_error *err)
{
    uint64_t limit = m->opts.memory_budget;
    const char *env = getenv("WASMEXT_MEMORY_BUDGET");
    if (limit && limit < WX_MIN_MEMORY_BUDGET)
        return wx_error_set(err, WX_EARG,
                            "memory budget of %llu bytes is less than the "
                            "minimum of 1M (%llu bytes)",
                            (unsigned long long)limit,
                            (unsigned long long)WX_MIN_MEMORY_BUDGET);
    if (!limit && env && *env) {
        wx_status s = wx_memory_budget_parse(env, &limit, err);
        if (s != WX_OK) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            return wx_error_set(err, s, "$WASMEXT_MEMORY_BUDGET: %s", why);
        }
    }
    if (!limit)
        limit = default_budget();
    m->opts.memory_budget = limit;
    m->budget = wx_budget_new(limit, err);
    return m->budget ? WX_OK : WX_ENOMEM;
}

void wx_manager_memory(wx_manager *m, wx_budget_stats *out)
{
    wx_budget_stats_get(m->budget, out);
}

wx_manager *wx_manager_open(const char *db_path, const wx_manager_opts *opts,
                            wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    wx_manager *m = calloc(1, sizeof *m);
    if (!m) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    if (opts)
        m->opts = *opts;
    pthread_mutex_init(&m->admin, NULL);
    pthread_rwlock_init(&m->table_lock, NULL);
    wxm_health_init(m);
    if (make_budget(m, err) != WX_OK)
        goto fail;
    m->db_path = db_path ? strdup(db_path) : wx_manager_default_db(err);
    if (!m->db_path) {
        if (db_path)
            wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto fail;
    }
    wxg_registry_opts ro = {m->opts.read_only, m->opts.busy_timeout_ms};
    m->reg = wxg_registry_open(m->db_path, &ro, err);
    if (!m->reg)
        goto fail;
    /* Messages and wx_manager_db_path show the registry as the store
     * does, which is the path without a password; the path as given is
     * kept for the follower's own connection (wxg_registry_open_watch). */
    char *shown = strdup(wxg_registry_path(m->reg));
    if (!shown) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto fail;
    }
    m->open_path = m->db_path;
    m->db_path = shown;
    pthread_mutex_lock(&m->admin);
    wx_status s = load_all(m, err);
    pthread_mutex_unlock(&m->admin);
    if (s != WX_OK)
        goto fail;
    return m;

fail:
    wx_manager_close(m);
    return NULL;
}

void wx_manager_close(wx_manager *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nplugins; i++) {
        wxm_plugin *p = m->plugins[i];
        wxm_version_release(plugin_swap(p, NULL));
        wxm_plugin_release(p);
    }
    free(m->plugins);
    free(m->fnames);
    wxg_registry_close(m->reg);
    wxg_registry_close(m->watch);
    wxm_health_destroy(m);
    if (m->open_path) {
        /* It may hold a password. */
        memset(m->open_path, 0, strlen(m->open_path));
        free(m->open_path);
    }
    if (m->watchdog)
        wxv_watchdog_release(m->watchdog);
    /* Instances still alive (a call in flight on a wx_fn) hold their own
     * reference. */
    wx_budget_release(m->budget);
    free(m->db_path);
    pthread_rwlock_destroy(&m->table_lock);
    pthread_mutex_destroy(&m->admin);
    free(m);
}

const char *wx_manager_db_path(const wx_manager *m)
{
    return m->db_path;
}

/* ------------------------------------------------------------ changes */

/*
 * Makes `v` the current version of `p` (v NULL: deletes p), inserting p
 * into the table if `fresh`, and installs the function index `ix`, all
 * in one write-locked step so that lookups see the table before or after
 * the change, never half-way. Takes over v, ix and, when fresh, p's first
 * reference (the table's); drops the replaced version and, for a delete,
 * the table's reference. Admin lock held; table room reserved if fresh.
 */
static void publish(wx_manager *m, wxm_plugin *p, wxm_version *v, bool fresh,
                    wxm_fname *ix, size_t nix)
{
    pthread_rwlock_wrlock(&m->table_lock);
    if (fresh)
        table_insert(m, p);
    else if (!v)
        table_remove(m, p);
    wxm_version *old = plugin_swap(p, v);
    free(m->fnames);
    m->fnames = ix;
    m->nfnames = nix;
    pthread_rwlock_unlock(&m->table_lock);
    wxm_version_release(old);
    if (!v)
        wxm_plugin_release(p);
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *read_wasm(const char *path, size_t *len, wx_error *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f) {
        wx_error_set(err, WX_EIO, "vm_config.path: cannot read %s: %s", path,
                     strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        wx_error_set(err, WX_EIO, "vm_config.path: %s is not a file", path);
        return NULL;
    }
    if ((uint64_t)st.st_size > WASM_FILE_MAX) {
        fclose(f);
        wx_error_set(err, WX_EARG,
                     "vm_config.path: %s is too big (%lld bytes, at most "
                     "%zu)",
                     path, (long long)st.st_size, WASM_FILE_MAX);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    size_t got = fread(buf, 1, n, f);
    bool bad = ferror(f) || got != n;
    fclose(f);
    if (bad) {
        free(buf);
        wx_error_set(err, WX_EIO, "vm_config.path: cannot read %s", path);
        return NULL;
    }
    *len = n;
    return buf;
}

/*
 * After this manager's own change reached the registry: when the
 * revision is now one past the one synced, the bump was this change's
 * and the table already holds it, so the next sync need not read the
 * list. Any other value means another process changed the registry
 * too, and the next sync reads the list as usual. Admin lock held.
 */
static void own_change_made(wx_manager *m)
{
    int64_t rev;
    wx_error e;
    if (wxg_registry_revision(m->reg, &rev, &e) != WX_OK) {
        wxm_health_down(m, false, &e);
        return;
    }
    bool ours = m->synced_rev >= 0 && rev == m->synced_rev + 1;
    if (ours)
        m->synced_rev = rev;
    wxm_health_up(m, false, false, ours ? rev : -1);
}

/* Fills the version's registry metadata after a store. */
static void fetch_meta(wx_manager *m, wxm_version *v, int64_t revision)
{
    wxg_record rec;
    v->revision = revision;
    if (wxg_registry_get(m->reg, v->plugin->name,
                         WXG_GET_NO_WASM | WXG_GET_NO_DIGEST, &rec,
                         NULL) == WX_OK) {
        v->created_ms = rec.created_ms;
        v->updated_ms = rec.updated_ms;
        wxg_record_free(&rec);
    }
}

/*
 * Whether an update to `v` would change nothing: the registry holds the
 * same canonical config and module bytes, and what runs here is that very
 * revision (not a stale one another process has since replaced, nor one
 * in error). Re-applying a config is then idempotent: no new revision,
 * and calls keep their version and its warm instances.
 */
static bool update_is_noop(wx_manager *m, const wxm_plugin *p,
                           wxm_version *v)
{
    const wxm_version *cur = p->cur;
    if (!cur || cur->error)
        return false;
    wxg_record rec;
    if (stored_get(m, p->name, WXG_GET_NO_WASM, &rec, NULL) !=
        WX_OK)
        return false;
    const char *text = wxm_version_config(v);
    bool same = text && rec.version == cur->revision &&
                strcmp(rec.sha256, v->sha256) == 0 &&
                strcmp(rec.config, text) == 0;
    wxg_record_free(&rec);
    return same;
}

/* A change's module bytes: lent (give NULL: the caller keeps them) or
 * handed over (freed with give, or kept by a registry in memory). */
typedef struct change_bytes {
    const uint8_t *wasm; /* NULL: read the file the config names */
    size_t len;
    void (*give)(void *);
} change_bytes;

static void bytes_done(change_bytes *b)
{
    if (b->give && b->wasm)
        b->give((void *)b->wasm);
    b->wasm = NULL;
    b->give = NULL;
}

/* free(3) as a give function, for the bytes a change read itself. */
static void free_bytes(void *p)
{
    free(p);
}

/*
 * An add (update false) or an update of `cfg`, which is taken over, as
 * are the bytes `b` when handed over. The module is b's (a package's, a
 * spec's) or, when b has none, the file cfg->path names. Runs under the
 * admin lock.
 */
static wx_status change_locked(wx_manager *m, wxg_config *cfg,
                               change_bytes b, bool update, wx_error *err)
{
    wxm_plugin *p = wxm_find_plugin(m, cfg->name);
    if (!update && p) {
        wxg_config_free(cfg);
        bytes_done(&b);
        return wx_error_set(err, WX_EEXIST,
                            "plugin \"%s\" is already registered (update "
                            "it instead)",
                            p->name);
    }
    if (update && !p) {
        wx_error_set(err, WX_ENOPLUGIN,
                     "plugin \"%s\" is not registered (add it first)",
                     cfg->name);
        wxg_config_free(cfg);
        bytes_done(&b);
        return WX_ENOPLUGIN;
    }
    if (!wxg_engine_available(cfg, err)) {
        wxg_config_free(cfg);
        bytes_done(&b);
        return err ? err->status : WX_EARG;
    }
    if (!b.wasm) {
        uint8_t *read = read_wasm(cfg->path, &b.len, err);
        if (!read) {
            wxg_config_free(cfg);
            return err ? err->status : WX_EIO;
        }
        b.wasm = read;
        b.give = free_bytes;
    }
    const uint8_t *bytes = b.wasm;
    size_t len = b.len;

    bool fresh = !p;
    if (fresh && (!(p = plugin_new(m, cfg->name)) || !table_reserve(m))) {
        bytes_done(&b);
        wxg_config_free(cfg);
        wxm_plugin_release(p);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    wx_status s;
    size_t nix = 0;
    wxm_fname *ix = NULL;
    wxm_version *v = NULL;
    /* An update compares digests to find a no-op (update_is_noop), so it
     * needs one even where the registry computes them on demand. */
    char digest[WXG_SHA256_HEX];
    const char *sha = NULL;
    if (update && wxg_registry_digest_on_demand(m->reg)) {
        if ((s = wxg_sha256_hex(bytes, len, digest, err)) != WX_OK) {
            wxg_config_free(cfg);
            goto done;
        }
        sha = digest;
    }
    v = wxm_version_build(m, p, cfg, bytes, len, sha, true, err);
    if (!v) {
        wxg_config_free(cfg);
        s = err ? err->status : WX_EARG;
        goto done;
    }
    if (update && update_is_noop(m, p, v)) {
        s = WX_OK;
        goto done;
    }
    ix = index_build(m, v, NULL, &nix);
    if (!ix) {
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto done;
    }
    int64_t revision = 0;
    /* The digest wxm_version_build computed: the module is hashed once. */
    sha = v->sha256[0] ? v->sha256 : NULL; /* none: on demand */
    /* A store in memory keeps no config: this manager has it (and dumps
     * it only if asked). The others store the canonical JSON. */
    const char *text = NULL;
    if (!wxg_registry_digest_on_demand(m->reg) &&
        !(text = wxm_version_config(v))) {
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto done;
    }
    if (b.give) {
        /* Handed over: a registry in memory keeps these very bytes. */
        s = wxg_registry_change_given(m->reg, update, p->name, text,
                                      (uint8_t *)bytes, len, b.give, sha,
                                      &revision, err);
        b.wasm = NULL;
        b.give = NULL;
    } else {
        s = update ? wxg_registry_update(m->reg, p->name, text, bytes, len,
                                         sha, &revision, err)
                   : wxg_registry_add(m->reg, p->name, text, bytes, len, sha,
                                      &revision, err);
    }
    if (s != WX_OK) {
        wxm_registry_probe(m, s);
        goto done;
    }
    fetch_meta(m, v, revision);
    own_change_made(m);

    /* From here on, new calls see the new version. */
    publish(m, p, v, fresh, ix, nix);
    v = NULL;
    ix = NULL;
    fresh = false; /* the table owns the plugin now */

done:
    free(ix);
    bytes_done(&b);
    wxm_version_release(v);
    if (fresh)
        wxm_plugin_release(p);
    if (s == WX_OK)
        wx_error_clear(err);
    return s;
}

/* cfg and bytes handed over are taken over, whatever the outcome. */
static wx_status change_given(wx_manager *m, wxg_config *cfg, change_bytes b,
                              bool update, wx_error *err)
{
    if (!cfg) {
        bytes_done(&b);
        return err ? err->status : WX_EARG;
    }
    if (m->opts.read_only) {
        wxg_config_free(cfg);
        bytes_done(&b);
        return wx_error_set(err, WX_EARG, "registry %s is open read-only",
                            m->db_path);
    }
    pthread_mutex_lock(&m->admin);
    wx_status s = change_locked(m, cfg, b, update, err);
    pthread_mutex_unlock(&m->admin);
    return s;
}

static wx_status change_with(wx_manager *m, wxg_config *cfg,
                             const uint8_t *wasm, size_t wasm_len, bool update,
                             wx_error *err)
{
    return change_given(m, cfg, (change_bytes){wasm, wasm_len, NULL}, update,
                        err);
}

static wx_status change(wx_manager *m, wxg_config *cfg, bool update,
                        wx_error *err)
{
    return change_with(m, cfg, NULL, 0, update, err);
}

wx_status wxm_add_bytes(wx_manager *m, wxg_config *cfg, const uint8_t *wasm,
                        size_t len, wx_error *err)
{
    return change_with(m, cfg, wasm, len, false, err);
}

wx_status wxm_stored(wx_manager *m, const char *name, wxg_record *rec,
                     wx_error *err)
{
    pthread_mutex_lock(&m->admin);
    wx_status s = stored_get(m, name, 0, rec, err);
    pthread_mutex_unlock(&m->admin);
    return s;
}

/* The current directory into cwd, for relative paths; NULL with err. */
/* The current directory, allocated (free it). Not a PATH_MAX buffer on
 * the stack: `wasmext run` would touch one more page of stack for it. */
static char *current_dir(wx_error *err)
{
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        wx_error_set(err, errno == ENOMEM ? WX_ENOMEM : WX_EIO,
                     "cannot get the current directory: %s", strerror(errno));
    return cwd;
}

static wxg_config *parse_text(const char *json, const char *base_dir,
                              wx_error *err)
{
    if (!json) {
        wx_error_set(err, WX_EARG, "no config");
        return NULL;
    }
    if (base_dir)
        return wxg_config_parse(json, strlen(json), base_dir, err);
    char *cwd = current_dir(err);
    wxg_config *cfg =
        cwd ? wxg_config_parse(json, strlen(json), cwd, err) : NULL;
    free(cwd);
    return cfg;
}

/* An add or update of a spec: its module from its bytes when it has
 * them, else from the file its path names. */
static wx_status change_spec(wx_manager *m, const wx_plugin_spec *spec,
                             bool update, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    char *dir = current_dir(err);
    wxg_config *cfg = dir ? wxg_config_from_spec(spec, dir, err) : NULL;
    free(dir);
    change_bytes b = {0};
    if (spec && spec->wasm)
        b = (change_bytes){spec->wasm, spec->wasm_len, spec->wasm_free};
    return change_given(m, cfg, b, update, err);
}

wx_status wx_manager_add_spec(wx_manager *m, const wx_plugin_spec *spec,
                              wx_error *err)
{
    return change_spec(m, spec, false, err);
}

wx_status wx_manager_update_spec(wx_manager *m, const wx_plugin_spec *spec,
                                 wx_error *err)
{
    return change_spec(m, spec, true, err);
}

wx_status wx_manager_add(wx_manager *m, const char *config_json,
                         const char *base_dir, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change(m, parse_text(config_json, base_dir, err), false, err);
}

wx_status wx_manager_add_file(wx_manager *m, const char *config_path,
                              wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change(m, wxg_config_load(config_path, err), false, err);
}

wx_status wx_manager_update(wx_manager *m, const char *config_json,
                            const char *base_dir, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change(m, parse_text(config_json, base_dir, err), true, err);
}

wx_status wx_manager_update_file(wx_manager *m, const char *config_path,
                                 wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change(m, wxg_config_load(config_path, err), true, err);
}

/*
 * A change from a package (package.c reads it): the config and module
 * come from the zip, so nothing is read from the disk. `expect` (may be
 * NULL) is the plugin the caller means to change.
 */
static wx_status change_package(wx_manager *m, const void *zip, size_t len,
                                const char *expect, bool update, char **name,
                                wx_error *err)
{
    if (name)
        *name = NULL;
    if (!zip)
        return wx_error_set(err, WX_EARG, "package: no data");
    wxg_package pkg;
    wx_status s = wxg_package_read(zip, len, &pkg, err);
    if (s != WX_OK)
        return s;
    if (expect && strcmp(pkg.cfg->name, expect) != 0) {
        s = wx_error_set(err, WX_EARG,
                         "name: the package's config names \"%s\", not "
                         "\"%s\"",
                         pkg.cfg->name, expect);
        wxg_package_free(&pkg);
        return s;
    }
    char *copy = name ? strdup(pkg.cfg->name) : NULL;
    if (name && !copy) {
        wxg_package_free(&pkg);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    s = change_with(m, pkg.cfg, pkg.wasm, pkg.wasm_len, update, err);
    pkg.cfg = NULL; /* taken over */
    wxg_package_free(&pkg);
    if (s == WX_OK && name)
        *name = copy;
    else
        free(copy);
    return s;
}

wx_status wx_manager_add_package(wx_manager *m, const void *zip, size_t len,
                                 char **name, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change_package(m, zip, len, NULL, false, name, err);
}

wx_status wx_manager_update_package(wx_manager *m, const void *zip, size_t len,
                                    const char *expect, char **name,
                                    wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    return change_package(m, zip, len, expect, true, name, err);
}

wx_status wx_manager_delete(wx_manager *m, const char *name, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    if (!name)
        return wx_error_set(err, WX_EARG, "no plugin name");
    if (m->opts.read_only)
        return wx_error_set(err, WX_EARG, "registry %s is open read-only",
                            m->db_path);
    pthread_mutex_lock(&m->admin);
    wx_status s;
    size_t nix = 0;
    wxm_fname *ix = NULL;
    wxm_plugin *p = wxm_find_plugin(m, name);
    if (!p) {
        s = wx_error_set(err, WX_ENOPLUGIN,
                         "plugin \"%s\" not found in registry %s", name,
                         m->db_path);
        goto done;
    }
    ix = index_build(m, NULL, p, &nix);
    if (!ix) {
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        goto done;
    }
    s = wxg_registry_delete(m->reg, name, err);
    if (s == WX_OK)
        own_change_made(m);
    /* Gone from the file already (another process): drop it here too. */
    if (s == WX_ENOPLUGIN)
        s = WX_OK;
    if (s != WX_OK) {
        wxm_registry_probe(m, s);
        goto done;
    }
    /* Calls in flight hold the version; the last one frees it. */
    publish(m, p, NULL, false, ix, nix);
    ix = NULL;
    wx_error_clear(err);

done:
    pthread_mutex_unlock(&m->admin);
    free(ix);
    return s;
}

/* ---------------------------------------------------------------- sync */

static bool name_listed(char **names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Whether the loaded version is the one the registry holds now. */
static bool up_to_date(const wxm_version *v, const wxg_record *meta)
{
    return v->revision == meta->version && v->updated_ms == meta->updated_ms &&
           strcmp(v->sha256, meta->sha256) == 0;
}

/*
 * A read of plugin `name`'s record failed with `s`: when the registry
 * itself cannot be reached, that is the sync's error and nothing changes
 * here (the loaded versions keep serving); otherwise the record alone is
 * bad (a key of the wrong type, fields missing), and the plugin gets an
 * error version saying so, as on open, while the others sync on.
 * WX_OK, or the sync's error.
 */
static wx_status record_unreadable(wx_manager *m, wxm_plugin *p, bool fresh,
                                   wx_status s, const wx_error *why,
                                   wx_error *err)
{
    if (wxm_registry_probe(m, s)) {
        *err = *why;
        return s;
    }
    wxm_version *v = wxm_version_failed(p, NULL, NULL, why);
    size_t nix = 0;
    wxm_fname *ix = v ? index_build(m, v, NULL, &nix) : NULL;
    if (!ix) {
        wxm_version_release(v);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    publish(m, p, v, fresh, ix, nix);
    return WX_OK;
}

/* Loads (fresh) or reloads plugin `name` from the registry and publishes
 * it: swapped in as an update is (plugin_swap), so calls in flight finish
 * on the old version and none starts on it afterwards. Admin lock held. */
static wx_status sync_one(wx_manager *m, const char *name, wx_error *err)
{
    wx_error why;
    wx_error_clear(&why);
    wxg_record rec;
    wxm_plugin *p = wxm_find_plugin(m, name);
    bool fresh = !p;
    wx_status s = stored_get(m, name, WXG_GET_NO_WASM, &rec, &why);
    if (s == WX_ENOPLUGIN)
        return WX_OK; /* deleted since the listing */
    if (s == WX_OK) {
        bool current = p && up_to_date(p->cur, &rec);
        wxg_record_free(&rec);
        if (current)
            return WX_OK;
        /* Now the bytes too: only for what changed. */
        s = stored_get(m, name, 0, &rec, &why);
        if (s == WX_ENOPLUGIN)
            return WX_OK;
    }
    if (fresh && (!(p = plugin_new(m, name)) || !table_reserve(m))) {
        if (s == WX_OK)
            wxg_record_free(&rec);
        wxm_plugin_release(p);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    if (s != WX_OK) {
        s = record_unreadable(m, p, fresh, s, &why, err);
        if (s != WX_OK && fresh)
            wxm_plugin_release(p);
        return s;
    }
    size_t nix = 0;
    wxm_version *v = reload_from(m, p, &rec);
    wxm_fname *ix = v ? index_build(m, v, NULL, &nix) : NULL;
    if (!ix) {
        wxm_version_release(v);
        if (fresh)
            wxm_plugin_release(p);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    publish(m, p, v, fresh, ix, nix);
    return WX_OK;
}

/* Re-reads the list of names and brings every plugin in line. Admin lock
 * held. */
static wx_status sync_all(wx_manager *m, wx_error *err)
{
    char **names;
    size_t count;
    wx_status s = wxg_registry_list(m->reg, &names, &count, err);
    if (s != WX_OK)
        return s;
    /* Drop what the registry no longer has. */
    for (size_t i = 0; i < m->nplugins && s == WX_OK;) {
        wxm_plugin *p = m->plugins[i];
        if (name_listed(names, count, p->name)) {
            i++;
            continue;
        }
        size_t nix = 0;
        wxm_fname *ix = index_build(m, NULL, p, &nix);
        if (!ix)
            s = wx_error_set(err, WX_ENOMEM, "out of host memory");
        else
            publish(m, p, NULL, false, ix, nix);
    }
    for (size_t i = 0; i < count && s == WX_OK; i++)
        s = sync_one(m, names[i], err);
    wxg_names_free(names, count);
    return s;
}

/*
 * Revisions only grow, so a registry whose revision is below the one
 * synced is not the registry the plugins came from: a Redis restarted
 * without its data, a registry file restored from an old copy. Syncing
 * to it would drop or roll back every plugin at once, on every daemon
 * of a fleet; the sync refuses instead, the loaded plugins keep serving,
 * and the registry is reported down with the reason until the operator
 * decides (restore the data, or restart the process to take the registry
 * as it is). A read-only SQLite file of the first schema has a revision
 * that a delete lowers (registry.h), so the check is left out there.
 */
static wx_status revision_went_back(wx_manager *m, int64_t rev, wx_error *err)
{
    return wx_error_set(err, WX_EIO,
                        "registry %s: its revision went back from %lld to "
                        "%lld (restarted without its data, or restored "
                        "from an older copy?): keeping the %zu plugins "
                        "loaded; restore the data, or restart to take the "
                        "registry as it is",
                        m->db_path, (long long)m->synced_rev, (long long)rev,
                        m->nplugins);
}

wx_status wx_manager_sync(wx_manager *m, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    pthread_mutex_lock(&m->admin);
    /* The revision before the list: a change made while the list is read
     * leaves the revision past this one, so the next sync reads again. */
    int64_t rev;
    wx_status s = wxg_registry_revision(m->reg, &rev, err);
    if (s == WX_OK && rev < m->synced_rev && !m->opts.read_only)
        s = revision_went_back(m, rev, err);
    bool resync = s == WX_OK && rev != m->synced_rev;
    if (resync && (s = sync_all(m, err)) == WX_OK)
        m->synced_rev = rev;
    if (s == WX_OK)
        wxm_health_up(m, true, resync, rev);
    else
        wxm_health_down(m, true, err);
    pthread_mutex_unlock(&m->admin);
    return s;
}

/* -------------------------------------------------------------- calls */

/* The functions a version lists, comma-separated, for messages. */
static void func_list(const wxm_version *v, char *buf, size_t size)
{
    buf[0] = '\0';
    for (uint32_t i = 0; i < v->nfuncs; i++)
        list_append(buf, size, v->funcs[i].counter->name);
}

/* Fails a call with the reason its version cannot run. */
static wx_status version_unusable(const wxm_version *v, wx_error *err)
{
    return wx_error_set(err, v->error_status, "plugin \"%s\" is in error: %s",
                        v->plugin->name, v->error);
}

/*
 * Finds the plugin and function a call names and returns the plugin's
 * current version with a reference (*vout) and the function in it.
 */
static wx_status resolve(wx_manager *m, const char *plugin, const char *func,
                         wxm_version **vout, wxm_func **fout, wx_error *err)
{
    *vout = NULL;
    if (!func || !*func)
        return wx_error_set(err, WX_EARG, "no function name");
    char pname[72];
    const char *dot = plugin ? NULL : strchr(func, '.');
    pthread_rwlock_rdlock(&m->table_lock);
    wxm_plugin *p = NULL;
    if (plugin) {
        p = wxm_find_plugin(m, plugin);
    } else if (dot && (size_t)(dot - func) < sizeof pname) {
        /* "plugin.func", unless no plugin has that name: export names may
         * contain dots. */
        memcpy(pname, func, (size_t)(dot - func));
        pname[dot - func] = '\0';
        if ((p = wxm_find_plugin(m, pname)) != NULL) {
            plugin = p->name;
            func = dot + 1;
        }
    }
    if (!plugin) {
        size_t first, n = index_range(m, func, &first);
        if (n == 1) {
            p = m->fnames[first].plugin;
        } else if (n > 1) {
            char who[200];
            wxm_claimants(m, NULL, func, who, sizeof who);
            pthread_rwlock_unlock(&m->table_lock);
            return wx_error_set(err, WX_EARG,
                                "function \"%s\" is provided by several "
                                "plugins (%s): call it as PLUGIN.%s",
                                func, who, func);
        }
    }
    wxm_version *v = p ? wxm_plugin_current(p) : NULL;
    pthread_rwlock_unlock(&m->table_lock);
    if (v && v->pending) {
        /* v holds a reference to p, which keeps it alive meanwhile. */
        wxm_plugin_load(p);
        wxm_version *loaded = wxm_plugin_current(p);
        wxm_version_release(v);
        v = loaded;
    }
    if (!v) {
        if (plugin)
            return wx_error_set(err, WX_ENOPLUGIN,
                                "plugin \"%s\" not found in registry %s",
                                plugin, m->db_path);
        return wx_error_set(err, WX_ENOPLUGIN,
                            "function \"%s\" not found in registry %s", func,
                            m->db_path);
    }
    wx_status s;
    if (v->error) {
        s = version_unusable(v, err);
    } else if (!(*fout = wxm_version_func(v, func))) {
        char list[200];
        func_list(v, list, sizeof list);
        s = wx_error_set(err, WX_ENOPLUGIN,
                         "plugin \"%s\" has no function \"%s\" (functions: "
                         "%s)",
                         v->plugin->name, func, list);
    } else {
        *vout = v;
        return WX_OK;
    }
    wxm_version_release(v);
    return s;
}

/* The typed path: wasm values straight into the pool. */
static wx_status call_vals(wxm_version *v, wxm_func *f, const wx_wasm_val *args,
                           size_t nargs, wx_wasm_val *results, size_t nresults,
                           wx_error *err)
{
    if (f->decl->abi != WX_ABI_NUMERIC)
        return wx_error_set(err, WX_EARG,
                            "%s.%s uses abi %s: call it with typed values "
                            "(wx_fn_call_values)",
                            v->plugin->name, f->counter->name,
                            wx_abi_name(f->decl->abi));
    return wxm_run_wasm(v, f, args, nargs, results, nresults, err);
}


/* ------------------------------------------------------- typed values */

void wx_values_free(wx_values *r)
{
    wxa_results_free(r);
}

/* Refuses argument i (0-based) with a message naming it. Cold: the label
 * is made only here. */
static wx_status bad_arg(wx_error *err, size_t i, const char *fmt, ...)
    __attribute__((cold, noinline, format(printf, 3, 4)));

static wx_status bad_arg(wx_error *err, size_t i, const char *fmt, ...)
{
    char why[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return wx_error_set(err, WX_EARG, "argument %zu: %s", i + 1, why);
}

/* Whether a buffer or vector value's data exists (the C API's callers
 * build these by hand). */
static wx_status check_data(const wxa_value *v, size_t i, wx_error *err)
{
    if (wxa_type_is_buf(v->type) && !v->of.buf.data && v->of.buf.len)
        return bad_arg(err, i, "no data for %zu bytes", v->of.buf.len);
    if (wxa_type_is_vec(v->type) && ((!v->of.vec.data && v->of.vec.count) ||
                                     v->of.vec.count > SIZE_MAX / 8))
        return bad_arg(err, i, "no data for %zu elements", v->of.vec.count);
    return WX_OK;
}

/* A json argument's text parses. Apart from check_same, whose number
 * cases then need no stack frame for jansson's error. */
static __attribute__((noinline)) wx_status check_json(const wxa_value *v,
                                                      size_t i, wx_error *err)
{
    json_error_t je;
    /* JSON_ALLOW_NUL as the converters read it: "\u0000" is JSON. */
    json_t *j = v->of.buf.data
                    ? json_loadb(v->of.buf.data, v->of.buf.len,
                                 JSON_DECODE_ANY | JSON_ALLOW_NUL, &je)
                    : NULL;
    if (!j)
        return bad_arg(err, i, "not valid JSON: %s",
                       v->of.buf.data ? je.text : "no data");
    json_decref(j);
    return WX_OK;
}

_Static_assert(WXA_I8 == 0 && WXA_U8 == 1 && WXA_I16 == 2 && WXA_U16 == 3 &&
                   WXA_I32 == 4 && WXA_U32 == 5,
               "check_same indexes its range tables by type");

/*
 * Whether argument i, already of its parameter's type, is a sound value of
 * it: the ABIs take such a value as it is, so what the other ways in
 * guarantee by construction (numbers in range, a scalar value for char,
 * JSON text for json, buffers that exist) is checked here.
 */
static wx_status check_same(const wxa_value *v, size_t i, wx_error *err)
{
    static const int64_t lo[] = {INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0};
    static const uint64_t hi[] = {INT8_MAX,   UINT8_MAX, INT16_MAX,
                                  UINT16_MAX, INT32_MAX, UINT32_MAX};
    switch (v->type) {
    case WXA_I8:
    case WXA_I16:
    case WXA_I32:
        if (v->of.i < lo[v->type] || v->of.i > (int64_t)hi[v->type])
            return bad_arg(err, i, "%" PRId64 " is out of range for %s",
                           v->of.i, wx_type_name(v->type));
        return WX_OK;
    case WXA_U8:
    case WXA_U16:
    case WXA_U32:
        if (v->of.u > hi[v->type])
            return bad_arg(err, i, "%" PRIu64 " is out of range for %s",
                           v->of.u, wx_type_name(v->type));
        return WX_OK;
    case WXA_CHAR:
        if (v->of.ch > 0x10FFFF || (v->of.ch >= 0xD800 && v->of.ch < 0xE000))
            return bad_arg(err, i,
                           "U+%04" PRIX32 " is not a Unicode scalar "
                           "value",
                           v->of.ch);
        return WX_OK;
    case WXA_JSON: return check_json(v, i, err);
    default: return check_data(v, i, err);
    }
}

/* Converts argument i to type t; the label that names it in a refusal is
 * made only when the conversion fails (then it runs again with it). */
static wx_status convert_arg(const wxa_value *v, size_t i, wxa_type t,
                             wxa_value *out, wx_error *err)
{
    if ((unsigned)v->type >= WXA_TYPE_COUNT_)
        return bad_arg(err, i, "bad value type %d", (int)v->type);
    wx_status s = check_data(v, i, err);
    if (s != WX_OK)
        return s;
    if (__builtin_expect(wxa_value_convert(v, t, NULL, out, NULL) == WX_OK, 1))
        return WX_OK;
    char what[32];
    snprintf(what, sizeof what, "argument %zu", i + 1);
    return wxa_value_convert(v, t, what, out, err);
}

wx_status wxm_args_prepare(const wxm_func *f, const wxa_value *args,
                           size_t nargs, wxa_value *conv,
                           const wxa_value **use, uint64_t *owned,
                           wx_error *err)
{
    *use = args;
    *owned = 0; /* bit i: conv[i] was converted, to free */
    for (size_t i = 0; i < nargs; i++) {
        wxa_type t = f->fn.params[i];
        wx_status s;
        if (args[i].type == t) {
            s = check_same(&args[i], i, err);
            if (*use != args)
                conv[i] = args[i];
        } else {
            if (*use == args) {
                memcpy(conv, args, i * sizeof *args);
                *use = conv;
            }
            s = convert_arg(&args[i], i, t, &conv[i], err);
            if (s == WX_OK)
                *owned |= UINT64_C(1) << i;
        }
        if (s != WX_OK) {
            wxm_args_release(conv, *owned);
            *owned = 0;
            return s;
        }
    }
    return WX_OK;
}

wx_status wxm_args_to_wasm(const wxm_func *f, const wxa_value *args,
                           size_t nargs, wx_wasm_val *vals, wx_error *err)
{
    for (size_t i = 0; i < nargs; i++) {
        wxa_type t = f->fn.params[i];
        if (args[i].type == t) {
            wx_status s = check_same(&args[i], i, err);
            if (s != WX_OK)
                return s;
            s = wxa_numeric_arg_to_wasm(&args[i], i, f->type.params[i],
                                        &vals[i], err);
            if (s != WX_OK)
                return s;
            continue;
        }
        wxa_value c;
        wx_status s = convert_arg(&args[i], i, t, &c, err);
        if (s != WX_OK)
            return s;
        s = wxa_numeric_arg_to_wasm(&c, i, f->type.params[i], &vals[i], err);
        wxa_value_free(&c);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

void wxm_args_release(wxa_value *conv, uint64_t owned)
{
    for (size_t i = 0; owned; i++, owned >>= 1)
        if (owned & 1)
            wxa_value_free(&conv[i]);
}

/* wx_fn_call_values once the version is pinned: the count checked here,
 * the rest in wxm_abi_call_values. */
static wx_status call_values(wxm_version *v, wxm_func *f,
                             const wxa_value *args, size_t nargs,
                             wxa_results *out, wx_error *err)
{
    if (__builtin_expect(nargs != f->fn.nparams, 0))
        return wxm_abi_check_count(f, nargs, err);
    if (__builtin_expect(nargs && !args, 0))
        return wx_error_set(err, WX_EARG, "%s: no argument array", f->fn.name);
    return wxm_abi_call_values(v, f, args, nargs, out, err);
}


wx_fn *wx_fn_get(wx_manager *m, const char *plugin, const char *func,
                 wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    wxm_version *v;
    wxm_func *f;
    if (resolve(m, plugin, func, &v, &f, err) != WX_OK)
        return NULL;
    size_t n = strlen(f->counter->name);
    wx_fn *fn = malloc(sizeof *fn + n + 1);
    if (fn) {
        fn->plugin = v->plugin;
        fn->counter = f->counter->index;
        memcpy(fn->func, f->counter->name, n + 1);
        plugin_retain(fn->plugin);
    } else {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    wxm_version_release(v);
    return fn;
}

void wx_fn_free(wx_fn *fn)
{
    if (!fn)
        return;
    wxm_plugin_release(fn->plugin);
    free(fn);
}

/*
 * The version a handle's call runs on (with a reference) and the function
 * in it. Inline: it is most of what wx_fn_call adds to a guest call.
 */
static inline wx_status fn_current(wx_fn *fn, wxm_version **vout,
                                   wxm_func **fout, unsigned *shard,
                                   wx_error *err)
{
    *vout = NULL;
    *fout = NULL;
    wxm_version *v = wxm_plugin_pin(fn->plugin, shard);
    if (__builtin_expect(v && v->pending, 0)) {
        wxm_plugin_unpin(fn->plugin, v, *shard);
        wxm_plugin_load(fn->plugin);
        v = wxm_plugin_pin(fn->plugin, shard);
    }
    if (__builtin_expect(!v, 0))
        return wx_error_set(err, WX_ENOPLUGIN,
                            "plugin \"%s\" not found (deleted)",
                            fn->plugin->name);
    wx_status s;
    int32_t k = fn->counter < v->nmap ? v->map[fn->counter] : -1;
    if (__builtin_expect(v->error != NULL, 0)) {
        s = version_unusable(v, err);
    } else if (__builtin_expect(k < 0, 0)) {
        s = wx_error_set(err, WX_ENOPLUGIN,
                         "plugin \"%s\" no longer lists function \"%s\"",
                         fn->plugin->name, fn->func);
    } else {
        *vout = v;
        *fout = &v->funcs[k];
        return WX_OK;
    }
    wxm_plugin_unpin(fn->plugin, v, *shard);
    return s;
}

wx_status wxm_fn_pin(wx_fn *fn, wxm_version **v, wxm_func **f,
                     unsigned *shard, wx_error *err)
{
    return fn_current(fn, v, f, shard, err);
}

wx_status wx_fn_call(wx_fn *fn, const wx_wasm_val *args, size_t nargs,
                     wx_wasm_val *results, size_t nresults, wx_error *err)
{
    wxm_version *v;
    wxm_func *f;
    unsigned shard;
    wx_status s = fn_current(fn, &v, &f, &shard, err);
    if (__builtin_expect(s != WX_OK, 0))
        return s;
    /* A recording wants the trap's place even when the caller does not. */
    wx_error local;
    if (__builtin_expect(!err && v->record, 0))
        err = &local;
    s = call_vals(v, f, args, nargs, results, nresults, err);
    wxm_count(f, s);
    if (__builtin_expect(s != WX_OK && v->record, 0))
        wxm_record_wasm(v, f, args, nargs, s, err);
    wxm_plugin_unpin(fn->plugin, v, shard);
    return s;
}

wx_status wx_fn_call_values(wx_fn *fn, const wx_value *args, size_t nargs,
                            wx_values *out, wx_error *err)
{
    LOCAL_ERROR(err);
    out->count = 0;
    wxm_version *v;
    wxm_func *f;
    unsigned shard;
    wx_status s = fn_current(fn, &v, &f, &shard, err);
    if (__builtin_expect(s != WX_OK, 0))
        return s;
    s = call_values(v, f, args, nargs, out, err);
    wxm_count(f, s);
    if (__builtin_expect(s != WX_OK && v->record, 0))
        wxm_record_values(v, f, args, nargs, s, err);
    wxm_plugin_unpin(fn->plugin, v, shard);
    return s;
}

const char *wx_fn_plugin(const wx_fn *fn)
{
    return fn->plugin->name;
}

const char *wx_fn_name(const wx_fn *fn)
{
    return fn->func;
}

wx_status wx_fn_describe(wx_fn *fn, wx_function_info *info, wx_error *err)
{
    LOCAL_ERROR(err);
    wx_error_clear(err);
    memset(info, 0, sizeof *info);
    wxm_version *v;
    wxm_func *f;
    unsigned shard;
    wx_status s = fn_current(fn, &v, &f, &shard, err);
    if (s != WX_OK)
        return s;
    info->name = fn->func;
    info->abi = f->fn.abi;
    info->loaded = true;
    info->results_known = f->fn.has_results || f->fn.abi != WX_ABI_BINDGEN;
    wxm_counter_read(f->counter, info);
    info->fuel_limit = wxv_pool_fuel(v->pool);
    info->nparams = f->fn.nparams;
    memcpy(info->params, f->fn.params, f->fn.nparams * sizeof *info->params);
    /* Configs declare bindgen results (the ABI would leave them open);
     * the others are declared or bound from the signature. */
    info->nresults = f->fn.nresults;
    memcpy(info->results, f->fn.results,
           f->fn.nresults * sizeof *info->results);
    wxm_plugin_unpin(fn->plugin, v, shard);
    return WX_OK;
}
