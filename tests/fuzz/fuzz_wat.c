/*
 * libFuzzer target for the text parser (wasmext/wat.h): any input, as
 * text, must be converted or refused without a crash, a leak or undefined
 * behaviour (under ASan and UBSan). The properties checked beyond that:
 *   - a refusal is WX_EMALFORMED with a message that starts with the
 *     line and column ("L:C: ...") of a place inside the text;
 *   - a conversion gives the same bytes twice (no state survives a call);
 *   - a converted module (other than `module binary`, whose bytes are the
 *     script's) starts with the binary header, and loading it decodes and
 *     validates it without a crash, whatever the engine then says.
 */
#include "fuzz.h"
#include "wasmext/engine.h"
#include "wasmext/wat.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines and columns of the input, to check an error's place. */
static void check_place(const char *text, size_t len, const char *message)
{
    unsigned line, col;
    FUZZ_CHECK(sscanf(message, "%u:%u:", &line, &col) == 2,
               "message without a place: %s", message);
    unsigned lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    FUZZ_CHECK(line >= 1 && line <= lines && col >= 1,
               "place %u:%u outside the text (%u lines)", line, col, lines);
}

/* Whether the text holds the word `binary` (then the output is the
 * script's bytes, which need no header). */
static bool mentions_binary(const char *text, size_t len)
{
    for (size_t i = 0; i + 6 <= len; i++)
        if (memcmp(text + i, "binary", 6) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    uint8_t *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    wx_error err;
    wx_status s = wx_wat_to_wasm(text, size, &out, &len, &err);
    if (s != WX_OK) {
        FUZZ_CHECK(s == WX_EMALFORMED || s == WX_ENOMEM, "status %s",
                   wx_status_name(s));
        FUZZ_CHECK(out == NULL && len == 0, "output left after a refusal");
        if (s == WX_EMALFORMED && strncmp(err.message, "text too", 8) != 0)
            check_place(text, size, err.message);
        return 0;
    }
    FUZZ_CHECK(wx_wat_to_wasm(text, size, &again, &len2, &err) == WX_OK &&
                   len2 == len && memcmp(out, again, len) == 0,
               "a second conversion differs");
    free(again);
    bool binary_form = mentions_binary(text, size);
    FUZZ_CHECK(binary_form || (len >= 8 && wx_wat_is_binary(out, len)),
               "no binary header in the output");
    wx_module *m = wx_module_load(out, len, NULL, &err);
    wx_module_free(m);
    free(out);
    return 0;
}
