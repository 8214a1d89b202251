/*
 * A summary of a module binary's sections, for `wasmext inspect` and for
 * naming functions in messages: what the engine's public API does not
 * expose (section layout, custom section names, defined memories and
 * tables with their limits, function counts, export indices).
 *
 * Run it on bytes the engine has loaded (so they are valid); it still
 * checks every read against the end of the buffer and gives up with
 * `ok == false` rather than read out of bounds.
 */
#ifndef WASMEXT_CLI_WASMFILE_H
#define WASMEXT_CLI_WASMFILE_H

#include "wasmext/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_section {
    uint8_t id;
    uint32_t offset; /* of the section's contents in the file */
    uint32_t size;
    const uint8_t *name; /* custom sections: the name (not NUL-ended) */
    uint32_t name_len;
} cli_section;

/* A memory or table, imported or defined, in index order. */
typedef struct cli_space {
    bool imported;
    wx_valtype elem; /* tables */
    wx_limits limits;
} cli_space;

typedef struct cli_export {
    wx_externkind kind;
    uint32_t index;
} cli_export;

typedef struct cli_wasmfile {
    bool ok;
    uint32_t nsections;
    cli_section *sections;
    uint32_t ntypes;
    uint32_t func_imports, funcs_defined;
    uint32_t global_imports, globals_defined;
    uint32_t nmemories, ntables;
    cli_space *memories, *tables;
    uint32_t nexports;
    cli_export *exports; /* in the export section's order */
    bool has_start;
    uint32_t start;
    uint32_t nelems, ndatas;
    uint32_t code_bytes; /* total size of function bodies */
} cli_wasmfile;

/* Walks the sections; `out` must be freed with cli_wasmfile_free() in
 * every case. Returns out->ok. */
bool cli_wasmfile_read(const uint8_t *bytes, size_t len, cli_wasmfile *out);
void cli_wasmfile_free(cli_wasmfile *wf);
/* "type", "import", ... "custom"; "?" for unknown ids. */
const char *cli_section_name(uint8_t id);
/* The export name of function `func_index` (by the engine's export list,
 * which follows the export section's order), or NULL. */
const char *cli_func_export_name(const wx_module *m, const cli_wasmfile *wf,
                                 uint32_t func_index);

#endif
