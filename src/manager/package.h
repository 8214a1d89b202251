/*
 * Plugin packages: a zip, held in memory, that carries a plugin config
 * and the .wasm module it names, so that a plugin travels as one file
 * (REST bodies, `wasmext plugin add car.zip`). The zip that `wasmext
 * ekuiper pack` writes is one too: the config is the one .json entry
 * with a "vm_config" key, wherever it lies in the zip.
 *
 * The zip is untrusted input. It is read from memory and never extracted;
 * every entry is checked (names, kind, encryption, duplicates), and only
 * the .json entries and the module are decompressed, each with a cap on
 * the bytes actually produced, not on the sizes the zip declares.
 * docs/design.md ("Plugin packages") gives the rules and why.
 */
#ifndef WX_MANAGER_PACKAGE_H
#define WX_MANAGER_PACKAGE_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

/* At most this many entries (directories included) in a package. */
#define WXG_PACKAGE_ENTRIES_MAX 64
/* At most this many bytes in one .json entry, decompressed. */
#define WXG_PACKAGE_JSON_MAX ((size_t)1 << 20)
/* At most this many bytes in the module, decompressed. */
#define WXG_PACKAGE_WASM_MAX ((size_t)64 << 20)
/* At most this many bytes decompressed from a package in all. */
#define WXG_PACKAGE_BYTES_MAX ((size_t)64 << 20)
/* The prefix of vm_config.path in a config that came from a package: the
 * module is no file, and the stored path says where it came from. */
#define WXG_PACKAGE_PATH_PREFIX "package:"

typedef struct wxg_package {
    /* The config, with vm_config.path rewritten to "package:<entry>". */
    wxg_config *cfg;
    uint8_t *wasm; /* the module's bytes */
    size_t wasm_len;
} wxg_package;

/*
 * Reads a package of `len` bytes at `data`: finds its config and module,
 * parses the config (without a base directory: relative wasi.preopens
 * are refused) and fills `out`. Returns WX_OK, or WX_EARG with a message
 * that names the entry and the problem (`package entry "../x.wasm": path
 * leaves the package`), or WX_ENOMEM. `out` needs wxg_package_free()
 * after success only.
 */
wx_status wxg_package_read(const void *data, size_t len, wxg_package *out,
                           wx_error *err);
void wxg_package_free(wxg_package *pkg);

#endif
