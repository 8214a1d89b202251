/*
 * libzip, loaded on first need (dl.h): include this instead of
 * <zip.h> and call wxdl_zip_load() before the first use. The list is
 * every libzip function wasmext calls; a call of one not listed does not
 * link (the library is not on the link line), so the list cannot fall
 * behind. Keep it sorted.
 */
#ifndef WX_DL_ZIP_H
#define WX_DL_ZIP_H

#include "dl.h"

#include <zip.h>

#define WXDL_ZIP_FUNCS(X) \
    X(ZIP, zip_close) \
    X(ZIP, zip_dir_add) \
    X(ZIP, zip_discard) \
    X(ZIP, zip_error_code_zip) \
    X(ZIP, zip_error_fini) \
    X(ZIP, zip_error_init) \
    X(ZIP, zip_error_init_with_code) \
    X(ZIP, zip_error_strerror) \
    X(ZIP, zip_fclose) \
    X(ZIP, zip_file_add) \
    X(ZIP, zip_file_get_external_attributes) \
    X(ZIP, zip_file_set_external_attributes) \
    X(ZIP, zip_file_strerror) \
    X(ZIP, zip_fopen_index) \
    X(ZIP, zip_fread) \
    X(ZIP, zip_get_name) \
    X(ZIP, zip_get_num_entries) \
    X(ZIP, zip_open) \
    X(ZIP, zip_open_from_source) \
    X(ZIP, zip_source_buffer) \
    X(ZIP, zip_source_buffer_create) \
    X(ZIP, zip_source_free) \
    X(ZIP, zip_stat_index) \
    X(ZIP, zip_strerror)

WXDL_DECLARE(zip, ZIP)

#ifndef WXDL_IMPL_
#define zip_close WXDL_CALL_(zip, ZIP, zip_close)
#define zip_dir_add WXDL_CALL_(zip, ZIP, zip_dir_add)
#define zip_discard WXDL_CALL_(zip, ZIP, zip_discard)
#define zip_error_code_zip WXDL_CALL_(zip, ZIP, zip_error_code_zip)
#define zip_error_fini WXDL_CALL_(zip, ZIP, zip_error_fini)
#define zip_error_init WXDL_CALL_(zip, ZIP, zip_error_init)
#define zip_error_init_with_code WXDL_CALL_(zip, ZIP, zip_error_init_with_code)
#define zip_error_strerror WXDL_CALL_(zip, ZIP, zip_error_strerror)
#define zip_fclose WXDL_CALL_(zip, ZIP, zip_fclose)
#define zip_file_add WXDL_CALL_(zip, ZIP, zip_file_add)
#define zip_file_get_external_attributes WXDL_CALL_(zip, ZIP, zip_file_get_external_attributes)
#define zip_file_set_external_attributes WXDL_CALL_(zip, ZIP, zip_file_set_external_attributes)
#define zip_file_strerror WXDL_CALL_(zip, ZIP, zip_file_strerror)
#define zip_fopen_index WXDL_CALL_(zip, ZIP, zip_fopen_index)
#define zip_fread WXDL_CALL_(zip, ZIP, zip_fread)
#define zip_get_name WXDL_CALL_(zip, ZIP, zip_get_name)
#define zip_get_num_entries WXDL_CALL_(zip, ZIP, zip_get_num_entries)
#define zip_open WXDL_CALL_(zip, ZIP, zip_open)
#define zip_open_from_source WXDL_CALL_(zip, ZIP, zip_open_from_source)
#define zip_source_buffer WXDL_CALL_(zip, ZIP, zip_source_buffer)
#define zip_source_buffer_create WXDL_CALL_(zip, ZIP, zip_source_buffer_create)
#define zip_source_free WXDL_CALL_(zip, ZIP, zip_source_free)
#define zip_stat_index WXDL_CALL_(zip, ZIP, zip_stat_index)
#define zip_strerror WXDL_CALL_(zip, ZIP, zip_strerror)
#endif

#endif
