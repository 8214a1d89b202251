/*
 * libFuzzer target: plugin configs (src/manager/config.c). The first byte
 * chooses whether relative paths resolve against a base directory (bit 0);
 * the rest is the config text. Properties:
 *   - a refusal is WX_EARG (or WX_ENOMEM) with a message;
 *   - an accepted config's canonical form parses again, with the same
 *     base directory and with none, to the same canonical form, compact
 *     or pretty: dump(parse(dump(c))) == dump(c);
 *   - wxg_config_function finds each listed function.
 */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#define BASE_DIR "/fuzz/base"

/* Parses `text` and returns its compact canonical form (malloc'd). */
static char *reparse(const char *text, const char *base, const char *first)
{
    wx_error err;
    wxg_config *cfg = wxg_config_parse(text, strlen(text), base, &err);
    FUZZ_CHECK(cfg,
               "the canonical form does not parse again (base %s): "
               "%s\n%s",
               base ? base : "none", err.message, text);
    char *dump = wxg_config_dump(cfg, 0);
    FUZZ_CHECK(dump, "no dump of the parsed canonical form");
    FUZZ_CHECK(strcmp(dump, first) == 0,
               "the round trip changed the config (base %s):\n%s\n%s",
               base ? base : "none", first, dump);
    wxg_config_free(cfg);
    return dump;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *base = (data[0] & 1) ? BASE_DIR : NULL;
    wx_error err;
    memset(&err, 0, sizeof err);
    wxg_config *cfg =
        wxg_config_parse((const char *)data + 1, size - 1, base, &err);
    if (!cfg) {
        FUZZ_CHECK(err.status == WX_EARG || err.status == WX_ENOMEM,
                   "refused with status %d", (int)err.status);
        FUZZ_CHECK(err.message[0], "refused without a message");
        return 0;
    }
    for (size_t i = 0; i < cfg->nfuncs; i++)
        FUZZ_CHECK(wxg_config_function(cfg, cfg->funcs[i].name) ==
                       &cfg->funcs[i],
                   "function %s not found by name", cfg->funcs[i].name);
    wxg_limits eff = wxg_limits_effective(&cfg->limits);
    FUZZ_CHECK(eff.stack > 0, "no effective call depth");
    FUZZ_CHECK(wxg_engine_label(cfg)[0], "no engine label");

    char *compact = wxg_config_dump(cfg, 0);
    char *pretty = wxg_config_dump(cfg, WXG_DUMP_PRETTY);
    FUZZ_CHECK(compact && pretty, "no canonical dump");
    free(reparse(compact, base, compact));
    free(reparse(compact, NULL, compact));
    free(reparse(pretty, base, compact));
    free(compact);
    free(pretty);
    wxg_config_free(cfg);
    return 0;
}
