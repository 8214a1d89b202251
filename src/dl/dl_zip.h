/*
 * libzip, loaded on first need (dl.h): include this instead of <zip.h> and
 * call wxdl_zip_load() before the first use. The list is every libzip
 * function wasmext calls; a call of one not listed does not link (the
 * library is not on the link line), so the list cannot fall behind.
 * Generated once by hand from the sources' calls; keep it sorted.
 */
#ifndef WX_DL_ZIP_H
#define WX_DL_ZIP_H

#include "dl.h"

#include <zip.h>

#define WXDL_ZIP_FUNCS(X) \
    X(zip_close) \
    X(zip_dir_add) \
    X(zip_discard) \
    X(zip_error_code_zip) \
    X(zip_error_fini) \
    X(zip_error_init) \
    X(zip_error_init_with_code) \
    X(zip_error_strerror) \
    X(zip_fclose) \
    X(zip_file_add) \
    X(zip_file_get_external_attributes) \
    X(zip_file_set_external_attributes) \
    X(zip_file_strerror) \
    X(zip_fopen_index) \
    X(zip_fread) \
    X(zip_get_name) \
    X(zip_get_num_entries) \
    X(zip_open) \
    X(zip_open_from_source) \
    X(zip_source_buffer) \
    X(zip_source_buffer_create) \
    X(zip_source_free) \
    X(zip_stat_index) \
    X(zip_strerror)

enum {
#define WXDL_ZIP_SLOT_(f) WXDL_ZIP_##f,
    WXDL_ZIP_FUNCS(WXDL_ZIP_SLOT_)
#undef WXDL_ZIP_SLOT_
        WXDL_ZIP_COUNT_
};

extern void *wxdl_zip_slots[WXDL_ZIP_COUNT_];

/* Opens libzip.so.4 once; WX_EIO naming the package to install. */
wx_status wxdl_zip_load(wx_error *err);

/* A call through the table, with the prototype of the library's header
 * (a macro is not expanded again inside its own expansion, so `f` here is
 * the real declaration). */
#define WXDL_ZIP_(f) (*(__typeof__(f) *)wxdl_zip_slots[WXDL_ZIP_##f])

#ifndef WXDL_ZIP_IMPL

#define zip_close WXDL_ZIP_(zip_close)
#define zip_dir_add WXDL_ZIP_(zip_dir_add)
#define zip_discard WXDL_ZIP_(zip_discard)
#define zip_error_code_zip WXDL_ZIP_(zip_error_code_zip)
#define zip_error_fini WXDL_ZIP_(zip_error_fini)
#define zip_error_init WXDL_ZIP_(zip_error_init)
#define zip_error_init_with_code WXDL_ZIP_(zip_error_init_with_code)
#define zip_error_strerror WXDL_ZIP_(zip_error_strerror)
#define zip_fclose WXDL_ZIP_(zip_fclose)
#define zip_file_add WXDL_ZIP_(zip_file_add)
#define zip_file_get_external_attributes WXDL_ZIP_(zip_file_get_external_attributes)
#define zip_file_set_external_attributes WXDL_ZIP_(zip_file_set_external_attributes)
#define zip_file_strerror WXDL_ZIP_(zip_file_strerror)
#define zip_fopen_index WXDL_ZIP_(zip_fopen_index)
#define zip_fread WXDL_ZIP_(zip_fread)
#define zip_get_name WXDL_ZIP_(zip_get_name)
#define zip_get_num_entries WXDL_ZIP_(zip_get_num_entries)
#define zip_open WXDL_ZIP_(zip_open)
#define zip_open_from_source WXDL_ZIP_(zip_open_from_source)
#define zip_source_buffer WXDL_ZIP_(zip_source_buffer)
#define zip_source_buffer_create WXDL_ZIP_(zip_source_buffer_create)
#define zip_source_free WXDL_ZIP_(zip_source_free)
#define zip_stat_index WXDL_ZIP_(zip_stat_index)
#define zip_strerror WXDL_ZIP_(zip_strerror)
#endif

#endif
