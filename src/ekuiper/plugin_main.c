/*
 * Plugin mode: the process eKuiper starts for an installed package
 * (PROTOCOL.md 2.3 - 2.6, checklist 2.12).
 *
 *   1. Load the bundled config into a private registry (never the user's)
 *      held in memory (WX_REGISTRY_MEMORY): nothing on disk, so nothing
 *      for eKuiper's SIGKILL to leave behind and no directory to find.
 *   2. Dial the control channel ipc:///tmp/plugin_<name>.ipc (REQ, with
 *      retries: eKuiper listens before it spawns us), send `handshake`,
 *      then answer each command with `ok` or an error text.
 *   3. On `start` of a function, dial ipc:///tmp/func_<symbol>.ipc before
 *      answering `ok`, and serve it (chan.c's server: calls answered from
 *      NNG's completion callbacks): one channel per function, calls on it
 *      in order, as eKuiper serialises them.
 *
 * eKuiper records the start commands it sent and replays them after a
 * plugin restart, keyed by the rule metadata, which is empty for every
 * function: so only the last function's start comes back (PROTOCOL.md
 * 2.10). To keep the others working, a function start also attaches
 * every other function whose channel eKuiper already listens on (one
 * dial attempt each: a function eKuiper never used has no listener yet,
 * and gets its own start when it is first used).
 *
 * SIGTERM and SIGINT end the process cleanly (sockets closed), and so
 * does the death of the parent (eKuiper killed: see signal_thread).
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The keepalive period of every channel; and the call timeout when the
 * config sets none: a little under eKuiper's default wait for an answer
 * (portable.recvTimeout, 5 s), so that a runaway call ends with our
 * message rather than eKuiper's timeout, and frees its channel. */
#define KEEPALIVE_MS 5000
/* Dial attempts, 100 ms apart: the control channel (PROTOCOL.md 2.12),
 * a started function's channel. */
#define CONTROL_DIAL_TRIES 50
#define FUNC_DIAL_TRIES 20
#define CONFIG_MAX (1u << 20)
/* How often the signal thread checks that the parent still lives. */
#define PARENT_POLL_MS 200

static const char plugin_help[] =
    "Usage: wasmext ekuiper plugin CONFIG.json [PORTABLE_CONFIG]\n"
    "\n"
    "Plugin mode: what the executable of a package made by 'wasmext\n"
    "ekuiper pack' runs when eKuiper starts it. Loads the plugin CONFIG.json\n"
    "into a private registry and serves its functions to eKuiper over the\n"
    "portable-plugin protocol (ipc:///tmp/plugin_<name>.ipc and\n"
    "ipc:///tmp/func_<function>.ipc). PORTABLE_CONFIG is the JSON eKuiper\n"
    "passes (e.g. {\"sendTimeout\":1000}); it is accepted and not needed.\n"
    "\n"
    "The private registry lives in memory and goes with the process.\n"
    "\n"
    "Options:\n"
    "  --state-dir DIR  ignored (accepted for older command lines: the\n"
    "                   registry no longer lives in a directory)\n"
    "  -h, --help       this help\n"
    "\n"
    "Calls time out after limits.timeout_ms of the config, 4500 ms when it\n"
    "sets none (eKuiper waits 5 s by default); instance_num defaults to\n"
    "the number of functions (at most 16), one per eKuiper channel.\n"
    "Calls run on NNG's own threads, as many at a time as there are CPUs,\n"
    "further ones on their channel's thread; the environment variable\n"
    "WASMEXT_EKUIPER_INLINE_CALLS=N changes that number (0: never).\n"
    "SIGTERM or SIGINT stop the plugin cleanly, as does the end of the\n"
    "process that started it (eKuiper).\n"
    "\n"
    "Exit status: 0 stopped by a signal or the end of the parent; 1\n"
    "eKuiper could not be reached; 2 usage or config error.\n";

typedef struct plugin plugin;

/* One function channel. `running`, `sock` and `srv` change under the
 * plugin's lock (the control thread starts channels, the signal thread
 * closes them). `seen` is the last function context found valid (calls
 * on a channel come one at a time). */
typedef struct chan {
    plugin *pl;
    wxk_func *f;
    wxk_sock sock;
    wxk_server *srv;
    wxk_buf seen;
    bool running;
} chan;

struct plugin {
    const char *name;
    wx_manager *m;
    wxk_funcs funcs;
    chan *chans; /* one per function, same order */
    wxk_sock ctrl;
    wxk_inline inline_calls; /* see wxk_server_start */
    pthread_mutex_t lock;
    bool stopping; /* under lock */
};

/* ------------------------------------------------------------- logging */

/* One line on stderr, which eKuiper copies into its log. */
static void logf_(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(const char *name, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "wasmext ekuiper plugin%s%s%s: %s\n", name ? " [" : "",
            name ? name : "", name ? "]" : "", line);
}

/* ---------------------------------------------------------- the config */

static char *read_text(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        logf_(name, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(CONFIG_MAX + 1);
    size_t n = text ? fread(text, 1, CONFIG_MAX + 1, f) : 0;
    bool bad = ferror(f) || n > CONFIG_MAX;
    fclose(f);
    if (!text || bad) {
        logf_(name, "cannot read %s: %s", path,
              !text            ? "out of memory"
              : n > CONFIG_MAX ? "larger than 1 MiB"
                               : "read error");
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

/* The config's JSON with plugin mode's defaults added where it sets
 * nothing: the call timeout, and one instance per function (up to
 * WX_DEFAULT_EKUIPER_INSTANCES), since eKuiper calls each function on its own
 * channel and one slow function should not hold the others' instance.
 * NULL (logged) when it is not a JSON object with a name. */
static json_t *load_config(const char *path, const char **name)
{
    char *text = read_text(path, NULL);
    if (!text)
        return NULL;
    json_error_t je;
    json_t *cfg = json_loads(text, 0, &je);
    free(text);
    if (!cfg) {
        logf_(NULL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    *name = json_string_value(json_object_get(cfg, "name"));
    if (!json_is_object(cfg) || !*name || !**name) {
        logf_(NULL, "%s: the config must be an object with a \"name\"", path);
        json_decref(cfg);
        return NULL;
    }
    size_t nfuncs = json_array_size(json_object_get(cfg, "functions"));
    if (!json_object_get(cfg, "instance_num") && nfuncs > 1)
        json_object_set_new(cfg, "instance_num",
                            json_integer(nfuncs < WX_DEFAULT_EKUIPER_INSTANCES
                                             ? (json_int_t)nfuncs
                                             : WX_DEFAULT_EKUIPER_INSTANCES));
    json_t *limits = json_object_get(cfg, "limits");
    if (!limits) {
        limits = json_object();
        json_object_set_new(cfg, "limits", limits);
    }
    /* A limits that is not an object is left for the manager to refuse,
     * with its own message. */
    if (json_is_object(limits) && !json_object_get(limits, "timeout_ms"))
        json_object_set_new(limits, "timeout_ms",
                            json_integer(WX_DEFAULT_TIMEOUT_MS));
    return cfg;
}

/* Registers the plugin in the private registry, in memory, and resolves
 * its functions. */
static bool load_plugin(plugin *pl, json_t *cfg, const char *config_dir)
{
    wx_error err;
    pl->m = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    if (!pl->m) {
        logf_(pl->name, "%s", err.message);
        return false;
    }
    char *text = json_dumps(cfg, JSON_COMPACT);
    wx_status s = text ? wx_manager_add(pl->m, text, config_dir, &err)
                       : wx_error_set(&err, WX_ENOMEM, "out of memory");
    free(text);
    if (s == WX_OK)
        s = wxk_funcs_load(pl->m, pl->name, &pl->funcs, &err);
    if (s != WX_OK) {
        logf_(pl->name, "%s", err.message);
        return false;
    }
    pl->chans = calloc(pl->funcs.n, sizeof *pl->chans);
    if (!pl->chans) {
        logf_(pl->name, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < pl->funcs.n; i++) {
        pl->chans[i].pl = pl;
        pl->chans[i].f = &pl->funcs.f[i];
        wxk_buf_init(&pl->chans[i].seen);
    }
    return true;
}

/* ---------------------------------------------------- function channels */

static void answer_call(void *arg, const void *msg, size_t len, wxk_buf *out)
{
    chan *c = arg;
    wxk_handle(c->f, &c->seen, msg, len, out);
}

/* Starts serving `c` unless it runs already: dial, then the server. */
static bool start_chan(plugin *pl, chan *c, int tries, wxk_buf *why)
{
    if (c->running)
        return true;
    wxk_buf url;
    wxk_buf_init(&url);
    wxk_url_func(&url, c->f->name);
    wxk_sock s;
    int rv = url.oom ? ENOMEM
                     : wxk_req_open(&s, url.data, KEEPALIVE_MS, tries, why);
    wxk_buf_free(&url);
    if (rv != 0)
        return false;
    pthread_mutex_lock(&pl->lock);
    bool ok = !pl->stopping;
    if (ok) {
        c->sock = s;
        ok = wxk_server_start(&c->srv, &s, answer_call, c, &pl->inline_calls,
                              why) == 0;
        c->running = ok;
    } else {
        wxk_control_error(why, "stopping");
    }
    pthread_mutex_unlock(&pl->lock);
    if (!ok)
        wxk_req_close(&s);
    else
        logf_(pl->name, "function %s: channel up", c->f->name);
    return ok;
}

/* --------------------------------------------------------- the control */

static void start_symbol(plugin *pl, const wxk_command *cmd, wxk_buf *ans)
{
    switch (cmd->type) {
    case WXK_SYM_FUNC: break;
    case WXK_SYM_SOURCE:
    case WXK_SYM_SINK:
        wxk_control_error(ans,
                          "plugin %s provides functions only: it has no %s "
                          "%s",
                          pl->name, cmd->type_name, cmd->symbol);
        return;
    case WXK_SYM_OTHER:
        wxk_control_error(ans, "invalid plugin type %s", cmd->type_name);
        return;
    }
    wxk_func *f = wxk_funcs_find(&pl->funcs, cmd->symbol);
    if (!f) {
        wxk_buf names;
        wxk_buf_init(&names);
        wxk_funcs_names(&pl->funcs, &names);
        wxk_control_error(ans, "symbol %s not found (functions of %s: %s)",
                          cmd->symbol, pl->name, names.data ? names.data : "");
        wxk_buf_free(&names);
        return;
    }
    chan *c = &pl->chans[f - pl->funcs.f];
    if (!start_chan(pl, c, FUNC_DIAL_TRIES, ans)) {
        logf_(pl->name, "start %s: %s", f->name, ans->data);
        char why[512];
        snprintf(why, sizeof why, "%s", ans->data ? ans->data : "?");
        wxk_control_error(ans, "%s", why);
        return;
    }
    /* The others whose listeners exist (see the top of this file). */
    wxk_buf ignored;
    wxk_buf_init(&ignored);
    for (uint32_t i = 0; i < pl->funcs.n; i++)
        if (&pl->chans[i] != c)
            start_chan(pl, &pl->chans[i], 1, &ignored);
    wxk_buf_free(&ignored);
    wxk_buf_reset(ans);
    wxk_buf_adds(ans, WXK_OK);
}

static void stop_symbol(plugin *pl, const wxk_command *cmd, wxk_buf *ans)
{
    /* eKuiper never stops functions, and keeps their listeners: a
     * function channel stays up for the life of the process. */
    if (cmd->type == WXK_SYM_FUNC && wxk_funcs_find(&pl->funcs, cmd->symbol)) {
        wxk_buf_reset(ans);
        wxk_buf_adds(ans, WXK_OK);
        return;
    }
    wxk_control_error(ans, "symbol %s_%s_%lld_%s not found", cmd->rule_id,
                      cmd->op_id, (long long)cmd->instance_id, cmd->symbol);
}

static void handle_command(plugin *pl, const void *msg, size_t len,
                           wxk_buf *ans)
{
    wxk_command cmd;
    if (!wxk_command_parse(msg, len, &cmd, ans)) {
        logf_(pl->name, "%s", ans->data);
        return;
    }
    switch (cmd.cmd) {
    case WXK_CMD_START: start_symbol(pl, &cmd, ans); break;
    case WXK_CMD_STOP: stop_symbol(pl, &cmd, ans); break;
    case WXK_CMD_OTHER:
        wxk_control_error(ans, "invalid command received: %s", cmd.cmd_name);
        break;
    }
    wxk_command_free(&cmd);
}

static void control_loop(plugin *pl)
{
    wxk_buf ans;
    wxk_buf_init(&ans);
    const char *answer = NULL;
    size_t answer_len = 0;
    for (;;) {
        void *msg;
        size_t len;
        if (wxk_req_next(&pl->ctrl, answer, answer_len, &msg, &len) ==
            WXK_NEXT_CLOSED)
            break;
        if (len > wxk_max_msg())
            wxk_oversized(&ans, len, false);
        else
            handle_command(pl, msg, len, &ans);
        wxk_msg_free(msg, len);
        answer = ans.oom ? "error: out of memory" : ans.data;
        answer_len = ans.oom ? strlen(answer) : ans.len;
    }
    wxk_buf_free(&ans);
}

/* ------------------------------------------------------------- signals */

typedef struct sigctx {
    plugin *pl;
    sigset_t set;
    pid_t parent; /* the process that started us (eKuiper); 1: unknown */
} sigctx;

/* Waits for SIGTERM or SIGINT, or for the parent's death, then closes
 * every socket: the control loop and the channel servers see their
 * sockets closed and stop.
 *
 * The parent's death: eKuiper kills its plugins when it stops, but when
 * it is itself killed (SIGKILL, OOM) its plugins live on, and NNG redials
 * the socket paths, which are fixed: a restarted eKuiper's listeners
 * would get this orphan's channels beside the new process's, and calls
 * answered by a process eKuiper no longer knows (an old version after an
 * update). Orphaned, the process is reparented: getppid() changes. It is
 * polled, not left to PR_SET_PDEATHSIG, which fires when the *thread*
 * that forked us ends, and Go (eKuiper) may end that thread. */
static void *signal_thread(void *arg)
{
    sigctx *sc = arg;
    plugin *pl = sc->pl;
    for (;;) {
        struct timespec poll = {0, PARENT_POLL_MS * 1000000L};
        if (sigtimedwait(&sc->set, NULL, &poll) > 0)
            break;
        if (sc->parent > 1 && getppid() != sc->parent) {
            logf_(pl->name, "the parent process (pid %ld) is gone: stopping",
                  (long)sc->parent);
            break;
        }
    }
    pthread_mutex_lock(&pl->lock);
    pl->stopping = true;
    wxk_req_close(&pl->ctrl);
    for (uint32_t i = 0; pl->chans && i < pl->funcs.n; i++)
        if (pl->chans[i].running)
            wxk_req_close(&pl->chans[i].sock);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* ---------------------------------------------------------------- main */

static int run(plugin *pl)
{
    wxk_buf url, why;
    wxk_buf_init(&url);
    wxk_buf_init(&why);
    wxk_url_control(&url, pl->name);
    int rc = 0;
    /* Under the lock, so that a signal arriving meanwhile finds the
     * socket to close (or the stop already decided). */
    pthread_mutex_lock(&pl->lock);
    int rv = pl->stopping
                 ? 0
                 : wxk_req_open(&pl->ctrl, url.data ? url.data : "",
                                KEEPALIVE_MS, CONTROL_DIAL_TRIES, &why);
    bool stopping = pl->stopping;
    pthread_mutex_unlock(&pl->lock);
    if (stopping) {
        rc = 0;
    } else if (rv != 0) {
        logf_(pl->name, "%s (is eKuiper running?)",
              why.data ? why.data : "cannot dial");
        rc = 1;
    } else {
        logf_(pl->name, "serving %u function%s on %s", pl->funcs.n,
              pl->funcs.n == 1 ? "" : "s", url.data);
        control_loop(pl);
    }
    wxk_buf_free(&url);
    wxk_buf_free(&why);
    return rc;
}

int wxk_plugin_main(int argc, char **argv)
{
    const char *config = NULL, *portable = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(plugin_help, stdout);
            return 0;
        } else if (strcmp(a, "--state-dir") == 0 && i + 1 < argc) {
            i++; /* ignored, see the help */
        } else if (strncmp(a, "--state-dir=", 12) == 0) {
            /* ignored, see the help */
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr,
                    "wasmext: ekuiper plugin: unknown option %s\n"
                    "Try 'wasmext ekuiper plugin --help'.\n",
                    a);
            return 2;
        } else if (!config) {
            config = a;
        } else if (!portable) {
            portable = a;
        } else {
            fprintf(stderr,
                    "wasmext: ekuiper plugin: unexpected argument "
                    "%s\nTry 'wasmext ekuiper plugin --help'.\n",
                    a);
            return 2;
        }
    }
    if (!config) {
        fprintf(stderr, "wasmext: ekuiper plugin: CONFIG.json is required\n"
                        "Try 'wasmext ekuiper plugin --help'.\n");
        return 2;
    }
    /* eKuiper's argument: its PortableConfig. Nothing in it concerns
     * functions; a bad one is worth a line in the log, not a failure. */
    if (portable) {
        json_t *j = json_loads(portable, JSON_DECODE_ANY, NULL);
        if (!json_is_object(j))
            logf_(NULL, "ignoring the argument %s: not a JSON object",
                  portable);
        json_decref(j);
    }

    /* Signals go to the signal thread only: block them before any other
     * thread (NNG's, the manager's) exists, so that all inherit the mask. */
    sigctx sc;
    sc.parent = getppid();
    sigemptyset(&sc.set);
    sigaddset(&sc.set, SIGTERM);
    sigaddset(&sc.set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
    signal(SIGPIPE, SIG_IGN);

    plugin pl;
    memset(&pl, 0, sizeof pl);
    pthread_mutex_init(&pl.lock, NULL);
    wxk_inline_init(&pl.inline_calls);
    sc.pl = &pl;
    json_t *cfg = load_config(config, &pl.name);
    if (!cfg)
        return 2;
    char config_dir[PATH_MAX];
    wxk_dir_of(config, config_dir, sizeof config_dir);
    int rc = 2;
    pthread_t sig_thread;
    bool have_sig = false;
    if (load_plugin(&pl, cfg, config_dir)) {
        have_sig = pthread_create(&sig_thread, NULL, signal_thread, &sc) == 0;
        rc = have_sig ? run(&pl) : 1;
    }
    /* Stop the signal thread if no signal did (it closes what is open),
     * then wait for the channel servers, which see their sockets closed. */
    if (have_sig) {
        pthread_kill(sig_thread, SIGTERM);
        pthread_join(sig_thread, NULL);
    }
    for (uint32_t i = 0; pl.chans && i < pl.funcs.n; i++) {
        if (pl.chans[i].running)
            wxk_server_free(pl.chans[i].srv);
        wxk_buf_free(&pl.chans[i].seen);
    }
    free(pl.chans);
    wxk_funcs_free(&pl.funcs);
    if (pl.m)
        wx_manager_close(pl.m);
    json_decref(cfg); /* pl.name points into it */
    pthread_mutex_destroy(&pl.lock);
    if (rc == 0)
        logf_(NULL, "stopped");
    return rc;
}
