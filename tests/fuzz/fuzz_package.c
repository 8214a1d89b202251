/*
 * libFuzzer target: plugin packages (src/manager/package.c), arbitrary
 * bytes as the zip that `plugin add` and POST /plugins take. Properties:
 * no crash or leak; a refusal is WX_EARG (or WX_ENOMEM) with a message
 * that starts with "package"; an accepted package has a config whose
 * vm_config.path says "package:<entry>", whose canonical form parses
 * again, and the module's bytes.
 */
#include "fuzz.h"
#include "package.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wxg_package pkg;
    wx_error err;
    memset(&err, 0, sizeof err);
    wx_status s = wxg_package_read(data, size, &pkg, &err);
    if (s != WX_OK) {
        FUZZ_CHECK(s == WX_EARG || s == WX_ENOMEM, "refused with %s: %s",
                   wx_status_name(s), err.message);
        FUZZ_CHECK(strncmp(err.message, "package", 7) == 0,
                   "a refusal that does not say where: %s", err.message);
        return 0;
    }
    FUZZ_CHECK(pkg.cfg && (pkg.wasm || pkg.wasm_len == 0),
               "accepted without a config or module");
    FUZZ_CHECK(strncmp(pkg.cfg->path, WXG_PACKAGE_PATH_PREFIX,
                       strlen(WXG_PACKAGE_PATH_PREFIX)) == 0,
               "vm_config.path is %s", pkg.cfg->path);
    char *dump = wxg_config_dump(pkg.cfg, 0);
    FUZZ_CHECK(dump, "no canonical dump");
    wxg_config *again = wxg_config_parse(dump, strlen(dump), NULL, &err);
    FUZZ_CHECK(again, "the package's config does not parse again: %s",
               err.message);
    wxg_config_free(again);
    free(dump);
    wxg_package_free(&pkg);
    return 0;
}
