/*
 * The portable-plugin messages (shared/ekuiper/PROTOCOL.md 2.5, 2.6), as
 * eKuiper 2.x writes them:
 *
 *   control   {"cmd":"start","arg":"<Control as a JSON string>"}
 *             Control = {"symbolName":"fib","meta":{"ruleId":"",
 *             "opId":"","instanceId":0},"pluginType":"func",...}
 *             answered by `ok` or an error text not starting with 'h'
 *   function  {"func":"Exec","arg":[25,"<FuncMeta JSON string>"]}
 *             answered by {"state":true,"result":121393} or
 *             {"state":false,"result":"<message>"}
 *
 * `arg` of a Command is double-encoded by eKuiper; an object is accepted
 * too, so that a hand-written test or a future eKuiper that stops
 * double-encoding still works.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ errors */

static void vcontrol_error(wxk_buf *out, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    wxk_buf_reset(out);
    if (msg[0] == '\0')
        wxk_buf_adds(out, "error");
    else if (msg[0] == 'h')
        wxk_buf_addf(out, "error: %s", msg);
    else
        wxk_buf_adds(out, msg);
}

void wxk_control_error(wxk_buf *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vcontrol_error(out, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------- control */

/* A string member, "" when absent or not a string. */
static const char *str_member(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static json_t *load(const void *msg, size_t len, const char *what,
                    wxk_buf *why)
{
    json_error_t je;
    json_t *j = json_loadb(msg, len, JSON_DECODE_ANY, &je);
    if (!j)
        wxk_control_error(why, "invalid %s: %s", what, je.text);
    return j;
}

bool wxk_command_parse(const void *msg, size_t len, wxk_command *out,
                       wxk_buf *why)
{
    memset(out, 0, sizeof *out);
    out->cmd_name = out->type_name = out->symbol = "";
    out->rule_id = out->op_id = "";
    out->root = load(msg, len, "command", why);
    if (!out->root)
        return false;
    if (!json_is_object(out->root)) {
        wxk_control_error(why, "invalid command: expected a JSON object");
        goto fail;
    }
    json_t *cmd = json_object_get(out->root, "cmd");
    if (!json_is_string(cmd)) {
        wxk_control_error(why, "invalid command: \"cmd\" must be a string");
        goto fail;
    }
    out->cmd_name = json_string_value(cmd);
    out->cmd = strcmp(out->cmd_name, "start") == 0  ? WXK_CMD_START
               : strcmp(out->cmd_name, "stop") == 0 ? WXK_CMD_STOP
                                                    : WXK_CMD_OTHER;
    if (out->cmd == WXK_CMD_OTHER)
        return true; /* the caller names the command in its answer */

    json_t *arg = json_object_get(out->root, "arg");
    if (json_is_string(arg)) {
        out->control = load(json_string_value(arg), json_string_length(arg),
                            "command arg", why);
        if (!out->control)
            goto fail;
    } else if (json_is_object(arg)) {
        out->control = json_incref(arg);
    } else {
        wxk_control_error(why, "invalid command: \"arg\" must be the "
                               "Control JSON");
        goto fail;
    }
    if (!json_is_object(out->control)) {
        wxk_control_error(why, "invalid command arg: expected a JSON object");
        goto fail;
    }
    out->symbol = str_member(out->control, "symbolName");
    out->type_name = str_member(out->control, "pluginType");
    out->type = strcmp(out->type_name, "func") == 0     ? WXK_SYM_FUNC
                : strcmp(out->type_name, "source") == 0 ? WXK_SYM_SOURCE
                : strcmp(out->type_name, "sink") == 0   ? WXK_SYM_SINK
                                                        : WXK_SYM_OTHER;
    json_t *meta = json_object_get(out->control, "meta");
    if (json_is_object(meta)) {
        out->rule_id = str_member(meta, "ruleId");
        out->op_id = str_member(meta, "opId");
        out->instance_id =
            (int64_t)json_integer_value(json_object_get(meta, "instanceId"));
    }
    return true;
fail:
    wxk_command_free(out);
    return false;
}

void wxk_command_free(wxk_command *c)
{
    json_decref(c->control);
    json_decref(c->root);
    c->control = c->root = NULL;
}

/* --------------------------------------------------------- function */

bool wxk_request_parse(const void *msg, size_t len, wxk_request *out,
                       wxk_buf *why)
{
    memset(out, 0, sizeof *out);
    out->func = "";
    json_error_t je;
    out->root = json_loadb(msg, len, JSON_DECODE_ANY, &je);
    if (!out->root) {
        wxk_buf_reset(why);
        wxk_buf_addf(why, "invalid request: %s", je.text);
        return false;
    }
    json_t *func = json_object_get(out->root, "func");
    if (!json_is_object(out->root) || !json_is_string(func)) {
        wxk_buf_reset(why);
        wxk_buf_adds(why, "invalid request: expected {\"func\": NAME, "
                          "\"arg\": ...}");
        wxk_request_free(out);
        return false;
    }
    out->func = json_string_value(func);
    out->call = strcmp(out->func, "Exec") == 0          ? WXK_CALL_EXEC
                : strcmp(out->func, "Validate") == 0    ? WXK_CALL_VALIDATE
                : strcmp(out->func, "IsAggregate") == 0 ? WXK_CALL_IS_AGGREGATE
                                                        : WXK_CALL_OTHER;
    out->arg = json_object_get(out->root, "arg");
    return true;
}

void wxk_request_free(wxk_request *r)
{
    json_decref(r->root);
    r->root = NULL;
    r->arg = NULL;
}

/* ------------------------------------------------------------ replies */

void wxk_reply_value(wxk_buf *out, const char *json, size_t n)
{
    wxk_buf_reset(out);
    wxk_buf_add(out, "{\"state\":true,\"result\":", 23);
    wxk_buf_add(out, json, n);
    wxk_buf_add(out, "}", 1);
}

/* jansson's dump callback: appends to the wxk_buf (whose out-of-memory
 * flag the caller checks). */
static int dump_to_buf(const char *s, size_t n, void *data)
{
    wxk_buf_add(data, s, n);
    return 0;
}

void wxk_reply_json(wxk_buf *out, const json_t *value)
{
    wxk_buf_reset(out);
    wxk_buf_add(out, "{\"state\":true,\"result\":", 23);
    if (!value)
        wxk_buf_add(out, "null", 4);
    else if (json_dump_callback(value, dump_to_buf, out,
                                JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        out->oom = true;
    wxk_buf_add(out, "}", 1);
}

void wxk_reply_error(wxk_buf *out, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof msg)
        n = (int)sizeof msg - 1;
    wxk_buf_reset(out);
    wxk_buf_adds(out, "{\"state\":false,\"result\":");
    wxk_buf_add_json_string(out, msg, (size_t)n);
    wxk_buf_add(out, "}", 1);
}
