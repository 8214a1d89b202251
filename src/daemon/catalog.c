/*
 * The catalog: which plugin provides which function, as of the last
 * change the daemon made. A call through /functions/{func} names no
 * plugin, and the framework API does not say which one answered, yet the
 * metrics are per plugin and function; the catalog answers that, from
 * the manager's list, rebuilt after every add, update and delete.
 *
 * The map is an array of (function, plugin) pairs sorted by function then
 * plugin, read under a rwlock by every call (a lookup is a binary search)
 * and swapped whole by a rebuild.
 */
#include "wxd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *func;   /* owned by the record */
    const char *plugin; /* owned by the record */
    wxd_fnstat *st;
} entry;

struct wxd_catalog {
    pthread_rwlock_t lock;
    entry *entries;
    size_t n;
};

wxd_catalog *wxd_catalog_new(void)
{
    wxd_catalog *c = calloc(1, sizeof *c);
    if (c)
        pthread_rwlock_init(&c->lock, NULL);
    return c;
}

void wxd_catalog_free(wxd_catalog *c)
{
    if (!c)
        return;
    pthread_rwlock_destroy(&c->lock);
    free(c->entries);
    free(c);
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int d = strcmp(x->func, y->func);
    return d ? d : strcmp(x->plugin, y->plugin);
}

/* The entries of the list text, or NULL (out of memory, bad list). */
static entry *entries_from_list(json_t *list, wxd_metrics *mx, size_t *count)
{
    size_t total = 0, i, k;
    json_t *p, *f;
    json_array_foreach(list, i, p)
        total += json_array_size(json_object_get(p, "functions"));
    entry *es = malloc((total ? total : 1) * sizeof *es);
    if (!es)
        return NULL;
    size_t n = 0;
    json_array_foreach(list, i, p) {
        const char *plugin = json_string_value(json_object_get(p, "name"));
        json_array_foreach(json_object_get(p, "functions"), k, f) {
            const char *func = json_string_value(f);
            if (!plugin || !func || n == total)
                continue;
            wxd_fnstat *st = wxd_metrics_fn(mx, plugin, func);
            if (!st) {
                free(es);
                return NULL;
            }
            es[n++] = (entry){wxd_fnstat_func(st), wxd_fnstat_plugin(st), st};
        }
    }
    qsort(es, n, sizeof *es, entry_cmp);
    *count = n;
    return es;
}

bool wxd_catalog_rebuild(wxd_catalog *c, wx_manager *m, wxd_metrics *mx)
{
    char *text = wx_manager_list(m, NULL);
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    wx_free(text);
    if (!json_is_array(list)) {
        json_decref(list);
        return false;
    }
    size_t n = 0;
    entry *es = entries_from_list(list, mx, &n);
    json_decref(list);
    if (!es)
        return false;
    pthread_rwlock_wrlock(&c->lock);
    entry *old = c->entries;
    c->entries = es;
    c->n = n;
    pthread_rwlock_unlock(&c->lock);
    free(old);
    return true;
}

/* The first entry of `func` (lock held) and how many there are. */
static size_t range(const wxd_catalog *c, const char *func, size_t *first)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->entries[mid].func, func) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < c->n && strcmp(c->entries[end].func, func) == 0)
        end++;
    *first = lo;
    return end - lo;
}

static wxd_fnstat *find_pair(const wxd_catalog *c, const char *plugin,
                             const char *func)
{
    size_t first, n = range(c, func, &first);
    for (size_t i = first; i < first + n; i++)
        if (strcmp(c->entries[i].plugin, plugin) == 0)
            return c->entries[i].st;
    return NULL;
}

wxd_fnstat *wxd_catalog_find(wxd_catalog *c, const char *plugin,
                             const char *func)
{
    wxd_fnstat *st = NULL;
    pthread_rwlock_rdlock(&c->lock);
    if (plugin) {
        st = find_pair(c, plugin, func);
    } else {
        /* As the manager resolves names: "plugin.func" first, then a
         * function name that exactly one plugin lists. */
        const char *dot = strchr(func, '.');
        char pname[72];
        if (dot && (size_t)(dot - func) < sizeof pname) {
            memcpy(pname, func, (size_t)(dot - func));
            pname[dot - func] = '\0';
            st = find_pair(c, pname, dot + 1);
        }
        size_t first;
        if (!st && range(c, func, &first) == 1)
            st = c->entries[first].st;
    }
    pthread_rwlock_unlock(&c->lock);
    return st;
}
