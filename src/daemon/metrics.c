/*
 * Metrics, in the Prometheus text format (version 0.0.4):
 *
 * - per function, read from the manager at scrape time: calls, and
 *   errors by status name (the manager counts every call, whichever door
 *   made it, in the slot of its outcome); and measured here, around each
 *   call this daemon makes (arguments in, guest, results out), a latency
 *   histogram, which the manager does not keep. Arguments the daemon's
 *   JSON conversion refuses never reach the manager: they are no call of
 *   the function, but a 400 in the HTTP responses;
 * - per function of a plugin whose config sets limits.fuel, the fuel
 *   each call used, as a histogram the manager keeps (render_fuel);
 * - per plugin, read from the manager at scrape time: status, revision,
 *   instances total/busy/idle and trimmed, guest output logged, dropped
 *   and cut, and the bounds of that output (rate, line length);
 * - the memory budget of all plugins: limit, used, peak, refusals;
 * - per process: plugins registered, uptime, HTTP responses by status,
 *   requests in flight.
 *
 * Every function series follows the manager's list: a deleted plugin's
 * series go with it, and a plugin added again under its name starts from
 * 0, as the manager's counters do. A call adds to a handful of relaxed
 * atomics in its function's latency record, which its cached handle
 * points to (call.c). Records are made when a name first resolves to the
 * function, keyed by the plugin and function it resolved to. A scrape
 * retires the records of functions the manager no longer lists: they
 * stop being rendered or found, so that a plugin added again gets a
 * fresh one, but stay allocated until the daemon stops, since a handle
 * cached before the delete may still point to one.
 */
#include "wxd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, in nanoseconds: 5 us to 10 s. */
static const uint64_t bucket_ns[] = {
    5000,       10000,      25000,      50000,       100000,
    250000,     500000,     1000000,    2500000,     5000000,
    10000000,   25000000,   50000000,   100000000,   250000000,
    500000000,  1000000000, 2500000000, 5000000000u, 10000000000u,
};
#define NBUCKETS (sizeof bucket_ns / sizeof bucket_ns[0])

struct wxd_latency {
    wxd_latency *next;
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t buckets[NBUCKETS + 1]; /* the last is +Inf */
    char *func;                                /* shares the allocation */
    char plugin[];
};

#define HTTP_MIN 100
#define HTTP_MAX 599

struct wxd_metrics {
    pthread_mutex_t lock; /* guards both lists (appends and renders) */
    wxd_latency *head;    /* the functions rendered */
    wxd_latency *retired; /* kept for the handles that may point to them */
    atomic_uint_fast64_t http[HTTP_MAX - HTTP_MIN + 1];
};

wxd_metrics *wxd_metrics_new(void)
{
    wxd_metrics *mx = calloc(1, sizeof *mx);
    if (!mx)
        return NULL;
    pthread_mutex_init(&mx->lock, NULL);
    return mx;
}

static void latency_free_all(wxd_latency *l)
{
    for (wxd_latency *next; l; l = next) {
        next = l->next;
        free(l);
    }
}

void wxd_metrics_free(wxd_metrics *mx)
{
    if (!mx)
        return;
    latency_free_all(mx->head);
    latency_free_all(mx->retired);
    pthread_mutex_destroy(&mx->lock);
    free(mx);
}

wxd_latency *wxd_metrics_latency(wxd_metrics *mx, const char *plugin,
                                 const char *func)
{
    pthread_mutex_lock(&mx->lock);
    wxd_latency **at = &mx->head;
    for (; *at; at = &(*at)->next)
        if (strcmp((*at)->plugin, plugin) == 0 &&
            strcmp((*at)->func, func) == 0)
            break;
    wxd_latency *l = *at;
    if (!l) {
        size_t np = strlen(plugin) + 1, nf = strlen(func) + 1;
        l = calloc(1, sizeof *l + np + nf);
        if (l) {
            memcpy(l->plugin, plugin, np);
            l->func = l->plugin + np;
            memcpy(l->func, func, nf);
            *at = l; /* at the end of the list */
        }
    }
    pthread_mutex_unlock(&mx->lock);
    return l;
}

void wxd_latency_record(wxd_latency *l, uint64_t ns)
{
    size_t b = 0;
    while (b < NBUCKETS && ns > bucket_ns[b])
        b++;
    atomic_fetch_add_explicit(&l->sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->buckets[b], 1, memory_order_relaxed);
}

void wxd_latency_record_n(wxd_latency *l, uint64_t ns, uint64_t n)
{
    size_t b = 0;
    while (b < NBUCKETS && ns > bucket_ns[b])
        b++;
    atomic_fetch_add_explicit(&l->sum_ns, ns * n, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->buckets[b], n, memory_order_relaxed);
}

void wxd_metrics_http(wxd_metrics *mx, int status)
{
    if (status >= HTTP_MIN && status <= HTTP_MAX)
        atomic_fetch_add_explicit(&mx->http[status - HTTP_MIN], 1,
                                  memory_order_relaxed);
}

/* ---------------------------------------------------------- rendering */

typedef struct text {
    char *buf;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n;
        char *b = realloc(t->buf, cap);
        if (!b) {
            t->failed = true;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
}

/* A label value, escaped as the text format wants (\\, \", \n). */
static const char *label(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    for (; s && *s && o + 3 < size; s++) {
        if (*s == '\\' || *s == '"') {
            buf[o++] = '\\';
            buf[o++] = *s;
        } else if (*s == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = '\0';
    return buf;
}

static void header(text *t, const char *name, const char *type,
                   const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef uint64_t (*plugin_value)(const wx_plugin_info *p);

/* One series per plugin of `family`: what `get` reads of each. */
static void render_per_plugin(text *t, const wx_plugin_list *list,
                              plugin_value get, const char *family,
                              const char *type, const char *help)
{
    header(t, family, type, help);
    char lb[160];
    for (size_t i = 0; i < list->count; i++) {
        const wx_plugin_info *p = &list->plugins[i];
        put(t, "%s{plugin=\"%s\"} %llu\n", family,
            label(p->name, lb, sizeof lb), (unsigned long long)get(p));
    }
}

static uint64_t trimmed(const wx_plugin_info *p)
{
    return p->instances.trimmed;
}
static uint64_t out_lines(const wx_plugin_info *p)
{
    return p->output.lines;
}
static uint64_t out_dropped_lines(const wx_plugin_info *p)
{
    return p->output.dropped_lines;
}
static uint64_t out_dropped_bytes(const wx_plugin_info *p)
{
    return p->output.dropped_bytes;
}
static uint64_t out_cut_lines(const wx_plugin_info *p)
{
    return p->output.cut_lines;
}
static uint64_t out_cut_bytes(const wx_plugin_info *p)
{
    return p->output.cut_bytes;
}
static uint64_t out_rate(const wx_plugin_info *p)
{
    return p->output.rate_bytes_per_s;
}
static uint64_t out_line_max(const wx_plugin_info *p)
{
    return p->output.line_max;
}

/* The plugin gauges, from the scrape's snapshot of the manager. */
static void render_plugins(text *t, wx_manager *m,
                           const wx_plugin_list *snapshot)
{
    const wx_plugin_list list = *snapshot;
    header(t, "wasmext_plugins", "gauge", "Plugins in the registry.");
    put(t, "wasmext_plugins %zu\n", list.count);
    header(t, "wasmext_plugin_up", "gauge",
           "1 if the plugin loaded and can be called, 0 if in error.");
    char lb[160];
    for (size_t i = 0; i < list.count; i++)
        put(t, "wasmext_plugin_up{plugin=\"%s\"} %d\n",
            label(list.plugins[i].name, lb, sizeof lb),
            list.plugins[i].error == NULL);
    header(t, "wasmext_plugin_revision", "gauge",
           "Revision of the plugin (1 when added, +1 per update).");
    for (size_t i = 0; i < list.count; i++)
        put(t, "wasmext_plugin_revision{plugin=\"%s\"} %lld\n",
            label(list.plugins[i].name, lb, sizeof lb),
            (long long)list.plugins[i].revision);
    header(t, "wasmext_plugin_instances", "gauge",
           "Instances of the plugin's pool, by state (busy: running a "
           "call; idle: ready).");
    for (size_t i = 0; i < list.count; i++) {
        const wx_instance_stats *in = &list.plugins[i].instances;
        const uint32_t n[] = {in->total, in->busy, in->idle};
        static const char *const states[] = {"total", "busy", "idle"};
        label(list.plugins[i].name, lb, sizeof lb);
        for (size_t k = 0; k < 3; k++)
            put(t, "wasmext_plugin_instances{plugin=\"%s\",state=\"%s\"}"
                   " %u\n",
                lb, states[k], n[k]);
    }
    render_per_plugin(t, &list, trimmed,
                      "wasmext_plugin_instances_trimmed_total", "counter",
                      "Idle instances whose memory had grown, freed to "
                      "give the memory back (made again on demand).");
    render_per_plugin(t, &list, out_lines,
                      "wasmext_plugin_output_lines_total", "counter",
                      "Lines of guest output (stdout, stderr) logged.");
    render_per_plugin(t, &list, out_dropped_lines,
                      "wasmext_plugin_output_dropped_lines_total", "counter",
                      "Lines of guest output dropped: over the "
                      "plugin's rate (wasmext_plugin_output_rate_bytes).");
    render_per_plugin(t, &list, out_dropped_bytes,
                      "wasmext_plugin_output_dropped_bytes_total", "counter",
                      "Bytes of the lines dropped.");
    render_per_plugin(t, &list, out_cut_lines,
                      "wasmext_plugin_output_cut_lines_total", "counter",
                      "Lines of guest output cut at "
                      "wasmext_plugin_output_line_max_bytes.");
    render_per_plugin(t, &list, out_cut_bytes,
                      "wasmext_plugin_output_cut_bytes_total", "counter",
                      "Bytes cut from long lines.");
    render_per_plugin(t, &list, out_rate, "wasmext_plugin_output_rate_bytes",
                      "gauge",
                      "Bytes of guest output lines the plugin may log a "
                      "second.");
    render_per_plugin(t, &list, out_line_max,
                      "wasmext_plugin_output_line_max_bytes", "gauge",
                      "Longest line of guest output logged, in bytes.");

    /* The memory budget of all plugins together. */
    wx_budget_stats bs;
    wx_manager_memory(m, &bs);
    header(t, "wasmext_memory_budget_bytes", "gauge",
           "Guest memory (linear memories and tables) all instances of all "
           "plugins may hold together.");
    put(t, "wasmext_memory_budget_bytes %llu\n",
        (unsigned long long)bs.limit);
    header(t, "wasmext_memory_used_bytes", "gauge",
           "Guest memory the instances hold now.");
    put(t, "wasmext_memory_used_bytes %llu\n", (unsigned long long)bs.used);
    header(t, "wasmext_memory_peak_bytes", "gauge",
           "Most guest memory held at once since the daemon started.");
    put(t, "wasmext_memory_peak_bytes %llu\n", (unsigned long long)bs.peak);
    header(t, "wasmext_memory_refused_total", "counter",
           "Instance creations and memory or table grows refused by the "
           "budget.");
    put(t, "wasmext_memory_refused_total %llu\n",
        (unsigned long long)bs.refused);
}

/* The function counters, as the manager counted them: every call,
 * whichever door made it, under the status it ended with. */
static void render_calls(text *t, const wx_plugin_list *list)
{
    char pl[160], fl[600];
    header(t, "wasmext_function_calls_total", "counter",
           "Calls of the function, as the manager counted them.");
    for (size_t i = 0; i < list->count; i++) {
        const wx_plugin_info *p = &list->plugins[i];
        label(p->name, pl, sizeof pl);
        for (uint32_t k = 0; k < p->nfunctions; k++)
            put(t, "wasmext_function_calls_total{plugin=\"%s\","
                   "function=\"%s\"} %llu\n",
                pl, label(p->functions[k].name, fl, sizeof fl),
                (unsigned long long)p->functions[k].calls);
    }
    header(t, "wasmext_function_errors_total", "counter",
           "Failed calls of the function, by error code (the status name: "
           "trap, timeout, busy, arg, guest, ...).");
    for (size_t i = 0; i < list->count; i++) {
        const wx_plugin_info *p = &list->plugins[i];
        label(p->name, pl, sizeof pl);
        for (uint32_t k = 0; k < p->nfunctions; k++) {
            const wx_function_info *f = &p->functions[k];
            label(f->name, fl, sizeof fl);
            for (int s = WX_OK + 1; s < WX_STATUS_COUNT_; s++)
                if (f->errors_by_status[s])
                    put(t, "wasmext_function_errors_total{plugin=\"%s\","
                           "function=\"%s\",code=\"%s\"} %llu\n",
                        pl, fl, wx_status_name((wx_status)s),
                        (unsigned long long)f->errors_by_status[s]);
        }
    }
}

/*
 * Fuel used per call, for the functions of plugins whose config sets
 * limits.fuel (wx_function_info.fuel_*): a histogram with the manager's
 * power-of-4 bounds, cumulative as Prometheus wants. The counts are
 * read as one snapshot; the count is the cumulative total, as for the
 * latency.
 */
static void render_fuel(text *t, const wx_plugin_list *list)
{
    static const char name[] = "wasmext_function_fuel_units";
    char pl[160], fl[600];
    header(t, name, "histogram",
           "Fuel units a call used (limits.fuel: taken branches and calls, "
           "docs/design.md), for plugins that set limits.fuel; calls that "
           "ran out count their whole budget.");
    for (size_t i = 0; i < list->count; i++) {
        const wx_plugin_info *p = &list->plugins[i];
        label(p->name, pl, sizeof pl);
        for (uint32_t k = 0; k < p->nfunctions; k++) {
            const wx_function_info *f = &p->functions[k];
            if (!f->fuel_limit)
                continue;
            label(f->name, fl, sizeof fl);
            uint64_t cum = 0;
            for (unsigned b = 0; b < WX_FUEL_BUCKETS; b++) {
                cum += f->fuel_buckets[b];
                if (b + 1 < WX_FUEL_BUCKETS)
                    put(t, "%s_bucket{plugin=\"%s\",function=\"%s\","
                           "le=\"%llu\"} %llu\n",
                        name, pl, fl,
                        (unsigned long long)WX_FUEL_BUCKET(b),
                        (unsigned long long)cum);
                else
                    put(t, "%s_bucket{plugin=\"%s\",function=\"%s\","
                           "le=\"+Inf\"} %llu\n",
                        name, pl, fl, (unsigned long long)cum);
            }
            put(t, "%s_sum{plugin=\"%s\",function=\"%s\"} %llu\n", name, pl,
                fl, (unsigned long long)f->fuel_sum);
            put(t, "%s_count{plugin=\"%s\",function=\"%s\"} %llu\n", name,
                pl, fl, (unsigned long long)cum);
        }
    }
}

static int plugin_cmp(const void *name, const void *info)
{
    return strcmp(name, ((const wx_plugin_info *)info)->name);
}

/* Whether the snapshot (sorted by plugin name) lists plugin.func. */
static bool listed(const wx_plugin_list *list, const char *plugin,
                   const char *func)
{
    const wx_plugin_info *p =
        list->count ? bsearch(plugin, list->plugins, list->count,
                              sizeof *list->plugins, plugin_cmp)
                    : NULL;
    for (uint32_t k = 0; p && k < p->nfunctions; k++)
        if (strcmp(p->functions[k].name, func) == 0)
            return true;
    return false;
}

/*
 * Moves the records of functions the snapshot does not list to the
 * retired list (lock held). The snapshot was taken with the lock held,
 * so every record in the list was made for a name the manager resolved
 * before it: one it does not list was deleted since (or dropped by an
 * update), never added after.
 */
static void retire_unlisted(wxd_metrics *mx, const wx_plugin_list *list)
{
    for (wxd_latency **at = &mx->head; *at;) {
        wxd_latency *l = *at;
        if (listed(list, l->plugin, l->func)) {
            at = &l->next;
            continue;
        }
        *at = l->next;
        l->next = mx->retired;
        mx->retired = l;
    }
}

static void render_latency(text *t, wxd_metrics *mx)
{
    static const char name[] = "wasmext_function_duration_seconds";
    char pl[160], fl[600];
    header(t, name, "histogram",
           "Time the daemon spent in the call (arguments in, guest, "
           "results out).");
    for (wxd_latency *l = mx->head; l; l = l->next) {
        label(l->plugin, pl, sizeof pl);
        label(l->func, fl, sizeof fl);
        /* The buckets are read one by one while calls go on, so the
         * count is taken as their cumulative total: the series stays
         * consistent with itself. */
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load(&l->buckets[b]);
            if (b < NBUCKETS)
                put(t, "%s_bucket{plugin=\"%s\",function=\"%s\",le=\"%g\"} "
                       "%llu\n",
                    name, pl, fl, (double)bucket_ns[b] / 1e9,
                    (unsigned long long)cum);
            else
                put(t, "%s_bucket{plugin=\"%s\",function=\"%s\",le=\"+Inf\"}"
                       " %llu\n",
                    name, pl, fl, (unsigned long long)cum);
        }
        put(t, "%s_sum{plugin=\"%s\",function=\"%s\"} %.9f\n", name, pl, fl,
            (double)atomic_load(&l->sum_ns) / 1e9);
        put(t, "%s_count{plugin=\"%s\",function=\"%s\"} %llu\n", name, pl, fl,
            (unsigned long long)cum);
    }
}

static void render_process(text *t, wxd_metrics *mx, double uptime_s,
                           long inflight)
{
    header(t, "wasmext_uptime_seconds", "gauge",
           "Seconds since the daemon started.");
    put(t, "wasmext_uptime_seconds %.3f\n", uptime_s);
    header(t, "wasmext_http_requests_in_flight", "gauge",
           "HTTP requests being handled (this scrape included).");
    put(t, "wasmext_http_requests_in_flight %ld\n", inflight);
    header(t, "wasmext_http_responses_total", "counter",
           "HTTP responses sent, by status code.");
    for (int c = HTTP_MIN; c <= HTTP_MAX; c++) {
        uint64_t n = atomic_load(&mx->http[c - HTTP_MIN]);
        if (n)
            put(t, "wasmext_http_responses_total{code=\"%d\"} %llu\n", c,
                (unsigned long long)n);
    }
}

/* The registry as the manager last saw it (follow.c keeps it fresh). */
static void render_registry(text *t, wx_manager *m)
{
    wx_registry_health h;
    wx_manager_registry_health(m, &h);
    header(t, "wasmext_registry_up", "gauge",
           "1 if the last access to the registry worked, 0 if it could "
           "not be reached (plugins loaded keep serving, changes are "
           "refused).");
    put(t, "wasmext_registry_up %d\n", h.up ? 1 : 0);
    header(t, "wasmext_registry_revision", "gauge",
           "The registry revision the plugins loaded are in line with.");
    put(t, "wasmext_registry_revision %lld\n", (long long)h.revision);
    header(t, "wasmext_registry_syncs_total", "counter",
           "Syncs with the registry that worked.");
    put(t, "wasmext_registry_syncs_total %llu\n", (unsigned long long)h.syncs);
    header(t, "wasmext_registry_sync_failures_total", "counter",
           "Syncs that could not reach the registry.");
    put(t, "wasmext_registry_sync_failures_total %llu\n",
        (unsigned long long)h.sync_failures);
    header(t, "wasmext_registry_resyncs_total", "counter",
           "Syncs that found the registry changed by another process and "
           "brought the plugins in line.");
    put(t, "wasmext_registry_resyncs_total %llu\n",
        (unsigned long long)h.resyncs);
    header(t, "wasmext_registry_last_sync_timestamp_seconds", "gauge",
           "When the plugins were last found in line with the registry "
           "(Unix time; 0: never).");
    put(t, "wasmext_registry_last_sync_timestamp_seconds %.3f\n",
        (double)h.synced_ms / 1000.0);
}

char *wxd_metrics_render(wxd_metrics *mx, wx_manager *m, double uptime_s,
                         long inflight, size_t *len)
{
    text t = {malloc(8192), 0, 8192, false};
    if (!t.buf)
        return NULL;
    render_process(&t, mx, uptime_s, inflight);
    render_registry(&t, m);
    /* One snapshot for all the plugin and function series, taken with
     * the records' lock held (see retire_unlisted). */
    pthread_mutex_lock(&mx->lock);
    wx_plugin_list list;
    if (wx_manager_plugins(m, NULL, WX_INFO_DETAIL, &list, NULL) != WX_OK) {
        /* Out of memory: no plugin series, and no record retired on a
         * list that failed. */
        memset(&list, 0, sizeof list);
    } else {
        retire_unlisted(mx, &list);
    }
    render_plugins(&t, m, &list);
    render_calls(&t, &list);
    render_fuel(&t, &list);
    render_latency(&t, mx);
    pthread_mutex_unlock(&mx->lock);
    wx_plugin_list_free(&list);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}
