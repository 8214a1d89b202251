/*
 * Helpers of the eKuiper tests (see testlib.h).
 */
#include "testlib.h"

#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

char *tl_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap + 1);
    for (;;) {
        if (!data)
            break;
        n += fread(data + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *d = realloc(data, 2 * cap + 1);
        if (!d) {
            free(data);
            data = NULL;
            break;
        }
        data = d;
        cap *= 2;
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        if (len)
            *len = n;
    }
    return data;
}

bool tl_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

void tl_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            tl_remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* --------------------------------------------------- renaming exports */

static bool read_u32(const uint8_t *p, size_t n, size_t *at, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*at >= n)
            return false;
        uint8_t b = p[(*at)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static size_t put_u32(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

bool tl_rename_exports(const char *in, const char *out,
                       const char *const *from, const char *const *to,
                       size_t n)
{
    size_t len;
    uint8_t *p = (uint8_t *)tl_read(in, &len);
    if (!p || len < 8 || memcmp(p, "\0asm", 4) != 0) {
        free(p);
        return false;
    }
    /* The new module is at most the old one plus the longer names. */
    size_t extra = 64;
    for (size_t i = 0; i < n; i++)
        extra += strlen(to[i]) + 5;
    uint8_t *o = malloc(len + extra), *sec = malloc(len + extra);
    size_t olen = 8, renamed = 0;
    memcpy(o, p, 8);
    size_t at = 8;
    bool ok = o && sec;
    while (ok && at < len) {
        uint8_t id = p[at++];
        uint32_t size;
        if (!read_u32(p, len, &at, &size) || size > len - at) {
            ok = false;
            break;
        }
        size_t end = at + size;
        if (id != 7) {
            o[olen++] = id;
            olen += put_u32(o + olen, size);
            memcpy(o + olen, p + at, size);
            olen += size;
            at = end;
            continue;
        }
        /* The export section: count, then (name, kind, index) each. */
        uint32_t count = 0;
        size_t slen = 0;
        ok = read_u32(p, end, &at, &count);
        slen += put_u32(sec, count);
        for (uint32_t i = 0; ok && i < count; i++) {
            uint32_t nlen = 0, index = 0;
            ok = read_u32(p, end, &at, &nlen) && nlen <= end - at;
            if (!ok)
                break;
            const char *name = (const char *)p + at;
            at += nlen;
            ok = at < end;
            if (!ok)
                break;
            uint8_t kind = p[at++];
            ok = read_u32(p, end, &at, &index);
            const char *new_name = NULL;
            for (size_t k = 0; kind == 0 && k < n; k++)
                if (strlen(from[k]) == nlen &&
                    memcmp(from[k], name, nlen) == 0)
                    new_name = to[k];
            if (new_name) {
                renamed++;
                slen += put_u32(sec + slen, (uint32_t)strlen(new_name));
                memcpy(sec + slen, new_name, strlen(new_name));
                slen += strlen(new_name);
            } else {
                slen += put_u32(sec + slen, nlen);
                memcpy(sec + slen, name, nlen);
                slen += nlen;
            }
            sec[slen++] = kind;
            slen += put_u32(sec + slen, index);
        }
        o[olen++] = 7;
        olen += put_u32(o + olen, (uint32_t)slen);
        memcpy(o + olen, sec, slen);
        olen += slen;
        at = end;
    }
    ok = ok && renamed == n && tl_write(out, o, olen);
    free(p);
    free(o);
    free(sec);
    return ok;
}

/* --------------------------------------------------------------- unzip */

static bool make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return false;
        *s = '/';
    }
    return true;
}

bool tl_unzip(const char *zip, const char *dir, const char *probe,
              unsigned *probe_mode)
{
    int err;
    zip_t *za = zip_open(zip, ZIP_RDONLY, &err);
    if (!za)
        return false;
    bool ok = true;
    zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; ok && i < n; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
        zip_uint8_t opsys;
        zip_uint32_t attr;
        ok = name && !strstr(name, "..") &&
             zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys,
                                              &attr) == 0;
        if (!ok)
            break;
        unsigned mode = opsys == ZIP_OPSYS_UNIX ? (attr >> 16) & 0777 : 0644;
        if (probe && probe_mode && strcmp(name, probe) == 0)
            *probe_mode = mode;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t plen = strlen(path);
        if (plen && path[plen - 1] == '/') {
            ok = make_parents(path);
            continue;
        }
        ok = make_parents(path);
        zip_file_t *zf = ok ? zip_fopen_index(za, (zip_uint64_t)i, 0) : NULL;
        FILE *f = zf ? fopen(path, "wb") : NULL;
        ok = f != NULL;
        char buf[1 << 16];
        zip_int64_t k;
        while (ok && (k = zip_fread(zf, buf, sizeof buf)) > 0)
            ok = fwrite(buf, 1, (size_t)k, f) == (size_t)k;
        if (f)
            ok = fclose(f) == 0 && ok;
        if (zf)
            zip_fclose(zf);
        ok = ok && chmod(path, mode) == 0;
    }
    zip_discard(za);
    return ok;
}

int tl_run(char *const argv[], const char *log, int timeout_ms)
{
    FILE *f = fopen(log, "a");
    if (!f)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
        execv(argv[0], argv);
        _exit(127);
    }
    fclose(f);
    int status;
    if (pid < 0)
        return -1;
    if (!sim_wait(pid, timeout_ms, &status)) {
        sim_kill(pid);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
