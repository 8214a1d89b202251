/*
 * The plugin handlers: list, show, add (POST /plugins), update (PUT),
 * delete, check. Bodies are config JSON as in DESIGN.md, or a plugin
 * package: a zip holding the config and its module (Content-Type:
 * application/zip; a body that starts with the zip magic PK\3\4 is one
 * even as application/json, as no JSON starts so; other types never get
 * here, see access.c). The manager reads a
 * package from the body itself (wx_manager_add_package), and its
 * refusals are 400 with the code "package".
 *
 * Before the manager sees a config, its host paths (vm_config.path,
 * wasi.preopens) pass hostpaths.c: they must be absolute (400) and lie
 * under a directory the operator allowed with --allow-dir (403). Every
 * config from REST comes through add_or_update below, JSON or package,
 * so this is the one place to check.
 *
 * Changes hold the server's change lock across the manager call and the
 * report of what changed, so that the answer says what this change did: a
 * DELETE of the same name that comes right after an add waits for the
 * add's report, so the add answers 201 with what it added (and the
 * DELETE then 200), never a 404 for an add that was committed.
 */
#include "wxd.h"

#include "convert.h"
#include "package.h"

#include "dl_jansson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- reports */

/*
 * A snapshot of the plugin `name` (NULL: all) as JSON: an array of
 * docs/rest.md's shape for `what`, or (`name`) the one object. NULL with
 * *st and `err` set.
 */
static json_t *report(wxd_server *s, const char *name, unsigned what,
                      wx_status *st, wx_error *err)
{
    wx_plugin_list list;
    *st = wx_manager_plugins(s->mgr, name, what, &list, err);
    if (*st != WX_OK)
        return NULL;
    json_t *j;
    if (name) {
        j = list.count ? wxc_plugin_to_json(&list.plugins[0], what) : NULL;
    } else {
        j = json_array();
        for (size_t i = 0; j && i < list.count; i++) {
            if (json_array_append_new(
                    j, wxc_plugin_to_json(&list.plugins[i], what)) != 0) {
                json_decref(j);
                j = NULL;
            }
        }
    }
    wx_plugin_list_free(&list);
    if (!j)
        *st = wx_error_set(err, WX_ENOMEM, "out of host memory");
    return j;
}

void wxd_plugins_list(wxd_server *s, const wxd_request *rq, wxd_response *rs)
{
    (void)rq;
    wx_error err;
    wx_status st;
    json_t *list = report(s, NULL, 0, &st, &err);
    if (!list) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    wxd_reply_data(rs, 200, json_pack("{s:o}", "plugins", list));
}

void wxd_plugin_show(wxd_server *s, const char *name, wxd_response *rs)
{
    wx_error err;
    wx_status st;
    json_t *show = report(s, name, WX_INFO_DETAIL, &st, &err);
    if (!show) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    wxd_reply_data(rs, 200, show);
}

void wxd_plugin_check(wxd_server *s, const char *name, wxd_response *rs)
{
    wx_error err;
    wx_status st;
    json_t *j = report(s, name, WX_INFO_CHECK, &st, &err);
    if (!j) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    if (name) {
        /* One plugin: its report, {"name", "ok", "problems", ...}. */
        wxd_reply_json(rs, 200, j);
        return;
    }
    bool ok = true;
    size_t i;
    json_t *p;
    json_array_foreach(j, i, p)
        ok = ok && json_is_true(json_object_get(p, "ok"));
    wxd_reply_json(rs, 200, json_pack("{s:b,s:o}", "ok", ok, "plugins", j));
}

/* ------------------------------------------------------ config bodies */

/* Whether a body is a package: by its type, or by the zip magic. */
static bool is_zip(const wxd_request *rq)
{
    const char *t = rq->content_type;
    if (t && strncasecmp(t, "application/zip", 15) == 0 &&
        (t[15] == '\0' || t[15] == ';' || t[15] == ' '))
        return true;
    return rq->len >= 4 && memcmp(rq->body, "PK\3\4", 4) == 0;
}

/*
 * The config of a POST or PUT body as text for the manager, or NULL with
 * the error response made. `name` (PUT) fills in a missing name and must
 * match a given one.
 */
static char *config_text(wxd_server *s, const wxd_request *rq,
                         const char *name,
                         wxd_response *rs, char *name_out, size_t name_size)
{
    json_error_t je;
    json_t *cfg = json_loadb(rq->body, rq->len, 0, &je);
    if (!cfg) {
        wxd_reply_error(rs, 400, "arg",
                        "config: invalid JSON at line %d, column %d: %s",
                        je.line, je.column, je.text);
        return NULL;
    }
    char *text = NULL;
    json_t *given = json_object_get(cfg, "name");
    if (!json_is_object(cfg)) {
        wxd_reply_error(rs, 400, "arg", "config: must be a JSON object");
    } else if (name && given && !json_is_string(given)) {
        wxd_reply_error(rs, 400, "arg", "name: must be a string");
    } else if (name && given && strcmp(json_string_value(given), name)) {
        wxd_reply_error(rs, 400, "arg",
                        "name: the config names \"%s\" but the URL names "
                        "\"%s\"",
                        json_string_value(given), name);
    } else if (wxd_hostpaths_admit_json(s, cfg, rs)) {
        if (name && !given)
            json_object_set_new(cfg, "name", json_string(name));
        const char *n = json_string_value(json_object_get(cfg, "name"));
        snprintf(name_out, name_size, "%s", n ? n : "");
        text = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text)
            wxd_reply_error(rs, 500, "nomem", "out of host memory");
    }
    json_decref(cfg);
    return text;
}

/* ------------------------------------------------------------ changes */

typedef enum { CHANGE_ADD, CHANGE_UPDATE, CHANGE_DELETE } change_kind;

static const char *const change_verbs[] = {"added", "updated", "deleted"};

/* After a change (change lock held): the calls' handle caches made
 * before it are dropped, and the plugin's show report, or NULL (a
 * delete, or out of memory). */
static json_t *changed(wxd_server *s, const char *name)
{
    atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
    wx_status st;
    wx_error err;
    return name ? report(s, name, WX_INFO_DETAIL, &st, &err) : NULL;
}

/*
 * Runs one change under the change lock. A config listing a function
 * that the module does not export is WX_ENOEXPORT, a bad config (400);
 * WX_ENOPLUGIN (404) is only an update or delete of an unknown name.
 */
static wx_status change(wxd_server *s, change_kind kind, const char *arg,
                        const char *name, json_t **shown, wx_error *err)
{
    *shown = NULL;
    pthread_mutex_lock(&s->change_lock);
    wx_status st;
    switch (kind) {
    case CHANGE_ADD:
        st = wx_manager_add(s->mgr, arg, NULL, err);
        break;
    case CHANGE_UPDATE:
        st = wx_manager_update(s->mgr, arg, NULL, err);
        break;
    default:
        st = wx_manager_delete(s->mgr, arg, err);
        break;
    }
    if (st == WX_OK)
        *shown = changed(s, kind == CHANGE_DELETE ? NULL : name);
    pthread_mutex_unlock(&s->change_lock);
    return st;
}

/* `who`: the token's name (never the token), NULL without tokens. */
static void log_change(wxd_server *s, change_kind kind, const char *name,
                       const char *who, wx_status st, const wx_error *err)
{
    const char *by = who ? " by " : "", *w = who ? who : "";
    if (st == WX_OK)
        wxd_logf(&s->log, WXD_INFO, "plugin %s %s%s%s", name,
                 change_verbs[kind], by, w);
    else
        wxd_logf(&s->log, wxd_http_status(st) >= 500 ? WXD_ERROR : WXD_INFO,
                 "plugin %s not %s%s%s: %s: %s",
                 name[0] ? name : "(unnamed)", change_verbs[kind], by, w,
                 wx_status_name(st), err->message);
}

/* The answer to a change that worked: the plugin as show reported it
 * right after the change, under the change lock (`shown`, taken). */
static void reply_changed(change_kind kind, const char *pname, json_t *shown,
                          wxd_response *rs)
{
    if (!shown) {
        wxd_reply_error(rs, 500, "nomem",
                        "plugin %s was %s, but its report could not be "
                        "made (out of memory)",
                        pname, change_verbs[kind]);
        return;
    }
    wxd_reply_data(rs, kind == CHANGE_ADD ? 201 : 200, shown);
    if (kind == CHANGE_ADD && rs->status == 201) {
        size_t n = strlen(pname) + sizeof "/plugins/";
        if ((rs->location = malloc(n)) != NULL)
            snprintf(rs->location, n, "/plugins/%s", pname);
    }
}

/*
 * An add or update from a package. Unlike a JSON config, the body is
 * not read here: the plugin's name is inside the zip, so the manager
 * reports it (and, for PUT, checks it against the URL's).
 */
static void change_package(wxd_server *s, change_kind kind, const char *name,
                           const wxd_request *rq, wxd_response *rs)
{
    wx_error err;
    char *pname = NULL;
    /* The package's config, read here for its host paths; the manager
     * reads the same bytes again (the body does not change). */
    wxg_package pkg;
    wx_status pst = wxg_package_read(rq->body, rq->len, &pkg, &err);
    if (pst != WX_OK) {
        log_change(s, kind, name ? name : "", rq->who, pst, &err);
        if (pst == WX_EARG)
            wxd_reply_error(rs, 400, "package", "%s", err.message);
        else
            wxd_reply_failure(rs, pst, &err);
        return;
    }
    bool allowed = wxd_hostpaths_admit_package(s, pkg.cfg, rs);
    wxg_package_free(&pkg);
    if (!allowed)
        return;
    pthread_mutex_lock(&s->change_lock);
    wx_status st =
        kind == CHANGE_ADD
            ? wx_manager_add_package(s->mgr, rq->body, rq->len, &pname, &err)
            : wx_manager_update_package(s->mgr, rq->body, rq->len, name,
                                        &pname, &err);
    json_t *shown = st == WX_OK ? changed(s, pname) : NULL;
    pthread_mutex_unlock(&s->change_lock);
    log_change(s, kind, pname ? pname : name ? name : "", rq->who, st, &err);
    if (st == WX_EARG)
        wxd_reply_error(rs, 400, "package", "%s", err.message);
    else if (st != WX_OK)
        wxd_reply_change_failure(s, rs, st, &err);
    else
        reply_changed(kind, pname, shown, rs);
    wx_free(pname);
}

static void add_or_update(wxd_server *s, change_kind kind, const char *name,
                          const wxd_request *rq, wxd_response *rs)
{
    if (is_zip(rq)) {
        change_package(s, kind, name, rq, rs);
        return;
    }
    char pname[128];
    char *text = config_text(s, rq, name, rs, pname, sizeof pname);
    if (!text)
        return;
    wx_error err;
    json_t *shown;
    wx_status st = change(s, kind, text, pname, &shown, &err);
    free(text);
    log_change(s, kind, pname, rq->who, st, &err);
    if (st != WX_OK) {
        wxd_reply_change_failure(s, rs, st, &err);
        return;
    }
    reply_changed(kind, pname, shown, rs);
}

void wxd_plugins_add(wxd_server *s, const wxd_request *rq, wxd_response *rs)
{
    add_or_update(s, CHANGE_ADD, NULL, rq, rs);
}

void wxd_plugin_update(wxd_server *s, const char *name,
                       const wxd_request *rq, wxd_response *rs)
{
    add_or_update(s, CHANGE_UPDATE, name, rq, rs);
}

void wxd_plugin_delete(wxd_server *s, const char *name,
                       const wxd_request *rq, wxd_response *rs)
{
    wx_error err;
    json_t *shown;
    wx_status st = change(s, CHANGE_DELETE, name, name, &shown, &err);
    log_change(s, CHANGE_DELETE, name, rq->who, st, &err);
    if (st != WX_OK) {
        wxd_reply_change_failure(s, rs, st, &err);
        return;
    }
    wxd_reply_json(rs, 200, json_pack("{s:s,s:b}", "name", name, "deleted",
                                      true));
}
