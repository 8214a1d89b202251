/*
 * Helpers of the eKuiper tests: files, a module's exports renamed (so
 * that each run has socket names of its own), zips unpacked the way
 * eKuiper unpacks them.
 */
#ifndef WX_TESTS_EKUIPER_TESTLIB_H
#define WX_TESTS_EKUIPER_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A whole file (NUL-terminated), or NULL. Free with free(). */
char *tl_read(const char *path, size_t *len);
bool tl_write(const char *path, const void *data, size_t len);
/* rm -rf. */
void tl_remove_tree(const char *path);

/*
 * Copies the module `in` to `out`, renaming the function exports named in
 * `from` (n of them) to the names in `to`. False if `in` is not a module
 * or has no such export.
 */
bool tl_rename_exports(const char *in, const char *out,
                       const char *const *from, const char *const *to,
                       size_t n);

/*
 * Unpacks `zip` into `dir` as eKuiper does (internal/pkg/filex/zip.go):
 * directories made, files recreated with their entry's Unix mode. The
 * mode of `probe` (an entry name) goes to *probe_mode when found.
 */
bool tl_unzip(const char *zip, const char *dir, const char *probe,
              unsigned *probe_mode);

/* Runs argv[0] with its arguments (no shell), stdout and stderr into
 * `log`, waiting at most `timeout_ms`: the exit code, or -1. */
int tl_run(char *const argv[], const char *log, int timeout_ms);

#endif
