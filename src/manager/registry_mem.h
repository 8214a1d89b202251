/*
 * The in-memory registry (registry_mem.c), behind registry.h's functions
 * when the path is ":memory:". Arguments are checked by the caller.
 */
#ifndef WX_MANAGER_REGISTRY_MEM_H
#define WX_MANAGER_REGISTRY_MEM_H

#include "registry.h"

typedef struct wxg_memstore wxg_memstore;

wxg_memstore *wxg_mem_new(void);
void wxg_mem_free(wxg_memstore *ms);
/* `path` only names the registry in messages. */
wx_status wxg_mem_add(wxg_memstore *ms, const char *path, const char *name,
                      const char *config, const uint8_t *wasm,
                      size_t wasm_len, wx_error *err);
wx_status wxg_mem_update(wxg_memstore *ms, const char *path, const char *name,
                         const char *config, const uint8_t *wasm,
                         size_t wasm_len, int64_t *version, wx_error *err);
wx_status wxg_mem_delete(wxg_memstore *ms, const char *name, wx_error *err);
wx_status wxg_mem_get(const wxg_memstore *ms, const char *path,
                      const char *name, bool with_wasm, wxg_record *out,
                      wx_error *err);
wx_status wxg_mem_list(const wxg_memstore *ms, const char *path,
                       char ***names, size_t *count, wx_error *err);

#endif
