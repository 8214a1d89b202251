/* System libraries loaded on first need: see dl.h. */
#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* pthread_once takes no argument: the library being loaded is handed
 * over in a thread-local, set just before. */
static _Thread_local wxdl_lib *loading;

static void load_once(void)
{
    wxdl_lib *lib = loading;
    /* RTLD_NOW: a missing symbol shows up here, with its name, rather
     * than as a crash in the middle of a request. RTLD_LOCAL: the
     * library's symbols stay out of the global namespace. */
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(lib->why, sizeof lib->why, "%s", e ? e : "unknown error");
        lib->status = WX_EIO;
        return;
    }
    for (size_t i = 0; i < lib->count; i++) {
        dlerror();
        void *p = dlsym(h, lib->names[i]);
        if (!p) {
            snprintf(lib->why, sizeof lib->why, "%s has no %s", lib->soname,
                     lib->names[i]);
            lib->status = WX_EIO;
            /* Keep the handle: the library may be in use by another part
             * of the process already, and unloading it buys nothing. */
            return;
        }
        lib->table[i] = p;
    }
    lib->status = WX_OK;
}

wx_status wxdl_load(wxdl_lib *lib, wx_error *err)
{
    loading = lib;
    pthread_once(&lib->once, load_once);
    loading = NULL;
    if (lib->status == WX_OK)
        return WX_OK;
    return wx_error_set(err, lib->status,
                        "cannot load %s (%s; apt-get install %s)",
                        lib->soname, lib->why, lib->package);
}
