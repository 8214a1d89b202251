/*
 * WASI conformance guest, a command: `conform TEST [ARG...]` runs one group
 * of checks through wasi-libc (and raw WASI calls where libc would hide
 * the errno), prints each failure to stderr and exits with the number of
 * failures. tests/wasi/test_wasi.c runs it with the context each group
 * needs (preopens, args, env, stdin) and checks the host side.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: %s (errno %d)\n", __func__,          \
                    __LINE__, #cond, errno);                                  \
        }                                                                     \
    } while (0)

/* Raw imports taking (ptr, len) paths, so that NULs and lengths reach the
 * host exactly as written. */
#define WASI_IMPORT(name)                                                     \
    __attribute__((import_module("wasi_snapshot_preview1"),                   \
                   import_name(#name)))
WASI_IMPORT(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char *path,
                      int32_t len, int32_t oflags, int64_t base, int64_t inh,
                      int32_t fdflags, int32_t *out);
WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, const char *path,
                              int32_t len, void *buf);
WASI_IMPORT(path_create_directory)
int32_t raw_path_create_directory(int32_t fd, const char *path, int32_t len);

#define SANDBOX_FD 3 /* the first preopen */
#define ALL_RIGHTS 0x1fffffffull

static int32_t open_raw(int32_t dir, const char *path, size_t len,
                        int32_t oflags, int32_t *fd)
{
    return raw_path_open(dir, 1, path, (int32_t)len, oflags, ALL_RIGHTS,
                         ALL_RIGHTS, 0, fd);
}

static int32_t open_rawz(const char *path)
{
    int32_t fd = -1;
    int32_t e = open_raw(SANDBOX_FD, path, strlen(path), 0, &fd);
    if (!e)
        close(fd);
    return e;
}

/* ------------------------------------------------------------- process */

static void t_args(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *a = getenv("WX_A"), *b = getenv("WX_B");
    printf("WX_A=%s\nWX_B=%s\n", a ? a : "(null)", b ? b : "(null)");
    extern char **environ;
    int n = 0;
    while (environ[n])
        n++;
    printf("nenv=%d\n", n);
}

static volatile uint64_t spin_sink;

static uint64_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    CHECK(__wasi_clock_time_get(id, 1, &t) == 0);
    return t;
}

static void t_clock(void)
{
    uint64_t prev = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(prev > 0);
    for (int i = 0; i < 10000; i++) {
        uint64_t t = now(__WASI_CLOCKID_MONOTONIC);
        if (t < prev) {
            CHECK(!"monotonic clock went back");
            break;
        }
        prev = t;
    }
    /* Realtime after 2020-01-01. */
    CHECK(now(__WASI_CLOCKID_REALTIME) > 1577836800ull * 1000000000ull);
    /* CPU clocks advance while we spin. */
    uint64_t p0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    uint64_t t0 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
    for (int i = 0; i < 3000000; i++)
        spin_sink += (uint64_t)i;
    CHECK(now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > p0);
    CHECK(now(__WASI_CLOCKID_THREAD_CPUTIME_ID) > t0);
    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_timestamp_t res = 0;
        CHECK(__wasi_clock_res_get(id, &res) == 0 && res > 0);
    }
    __wasi_timestamp_t res;
    CHECK(__wasi_clock_res_get(9, &res) == __WASI_ERRNO_INVAL);
    CHECK(__wasi_clock_time_get(9, 1, &res) == __WASI_ERRNO_INVAL);
    /* A sleep goes through poll_oneoff. */
    uint64_t s0 = now(__WASI_CLOCKID_MONOTONIC);
    struct timespec ts = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&ts, NULL) == 0);
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - s0 >= 20 * 1000 * 1000);
    CHECK(__wasi_sched_yield() == 0);
}

static void t_random(void)
{
    uint8_t a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK(getentropy(a, sizeof a) == 0);
    CHECK(__wasi_random_get(b, sizeof b) == 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero += a[i] != 0;
    CHECK(nonzero > 100);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(__wasi_random_get(b, 0) == 0);
}

/* 10 MB to stdout in 64 KiB writes; every write must look complete. */
static void t_flood(void)
{
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    size_t total = 0;
    while (total < 10u * 1024 * 1024) {
        ssize_t w = write(1, chunk, sizeof chunk);
        CHECK(w == (ssize_t)sizeof chunk);
        if (w <= 0)
            break;
        total += (size_t)w;
    }
    fprintf(stderr, "wrote %zu\n", total);
}

static void t_stdin(void)
{
    char buf[1000];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        CHECK(write(1, buf, (size_t)n) == n);
    CHECK(n == 0);
}

/* --------------------------------------------------------------- files */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

static void t_files_rw(void)
{
    char buf[64];
    CHECK(mkdir("/sandbox/d", 0755) == 0);
    CHECK(mkdir("/sandbox/d", 0755) == -1 && errno == EEXIST);
    write_file("/sandbox/d/f.txt", "hello world\n");
    int fd = open("/sandbox/d/f.txt", O_RDWR);
    CHECK(fd >= 0);
    CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 5);
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    CHECK(read(fd, buf, sizeof buf) == 6 && memcmp(buf, "world\n", 6) == 0);
    CHECK(read(fd, buf, sizeof buf) == 0);
    CHECK(lseek(fd, 0, SEEK_END) == 12);
    CHECK(lseek(fd, -2, SEEK_CUR) == 10);
    CHECK(pwrite(fd, "J", 1, 0) == 1);
    CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "Jello", 5) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 10); /* pread/pwrite keep it */
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 12);
    CHECK(ftruncate(fd, 4) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 4);
    CHECK(fsync(fd) == 0);
    CHECK(fdatasync(fd) == 0);
    CHECK(close(fd) == 0);
    CHECK(close(fd) == -1 && errno == EBADF);
    CHECK(stat("/sandbox/d/f.txt", &st) == 0 && st.st_size == 4);
    CHECK(stat("/sandbox/d", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat("/sandbox/d/none", &st) == -1 && errno == ENOENT);
    /* O_EXCL, O_APPEND, O_TRUNC. */
    CHECK(open("/sandbox/d/f.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 &&
          errno == EEXIST);
    fd = open("/sandbox/d/f.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_APPEND));
    CHECK(write(fd, "++", 2) == 2);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 6);
    CHECK(fcntl(fd, F_SETFL, 0) == 0 && !(fcntl(fd, F_GETFL) & O_APPEND));
    close(fd);
    fd = open("/sandbox/d/f.txt", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
    close(fd);
    /* A read-only descriptor cannot write. */
    fd = open("/sandbox/d/f.txt", O_RDONLY);
    CHECK(fd >= 0 && write(fd, "x", 1) == -1 &&
          (errno == ENOTCAPABLE || errno == EBADF));
    close(fd);
    /* Times. */
    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
    CHECK(utimensat(AT_FDCWD, "/sandbox/d/f.txt", ts, 0) == 0);
    CHECK(stat("/sandbox/d/f.txt", &st) == 0 &&
          st.st_mtim.tv_sec == 1234567890 && st.st_atim.tv_sec == 1000000000);
}

static void t_files_dir(void)
{
    /* Enough entries, with long names, to need several fd_readdir
     * calls and cut entries at buffer ends. */
    enum { N = 300 };
    char path[128];
    CHECK(mkdir("/sandbox/many", 0755) == 0);
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path,
                 "/sandbox/many/entry-with-a-rather-long-name-%04d", i);
        write_file(path, "x");
    }
    static char seen[N];
    memset(seen, 0, sizeof seen);
    int other = 0, dots = 0;
    DIR *d = opendir("/sandbox/many");
    CHECK(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int k;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            dots++;
            continue;
        }
        if (sscanf(e->d_name, "entry-with-a-rather-long-name-%04d", &k) == 1 &&
            k >= 0 && k < N && e->d_type == DT_REG)
            seen[k]++;
        else
            other++;
    }
    if (d) {
        /* rewinddir gives the same listing again. */
        rewinddir(d);
        int again = 0;
        while (readdir(d))
            again++;
        CHECK(again == N + dots);
        closedir(d);
    }
    int once = 0;
    for (int i = 0; i < N; i++)
        once += seen[i] == 1;
    CHECK(once == N);
    CHECK(other == 0);
    /* rename, unlink, rmdir. */
    CHECK(rename("/sandbox/many/entry-with-a-rather-long-name-0000",
                 "/sandbox/many/renamed") == 0);
    struct stat st;
    CHECK(stat("/sandbox/many/entry-with-a-rather-long-name-0000", &st) ==
              -1 &&
          errno == ENOENT);
    CHECK(stat("/sandbox/many/renamed", &st) == 0);
    CHECK(rmdir("/sandbox/many") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("/sandbox/many") == -1);
    CHECK(unlink("/sandbox/many/renamed") == 0);
    CHECK(unlink("/sandbox/many/renamed") == -1 && errno == ENOENT);
    for (int i = 1; i < N; i++) {
        snprintf(path, sizeof path,
                 "/sandbox/many/entry-with-a-rather-long-name-%04d", i);
        CHECK(unlink(path) == 0);
    }
    CHECK(rmdir("/sandbox/many") == 0);
    CHECK(stat("/sandbox/many", &st) == -1 && errno == ENOENT);
    /* Renaming a directory, and trailing slashes. */
    CHECK(mkdir("/sandbox/r1/", 0755) == 0);
    CHECK(rename("/sandbox/r1", "/sandbox/r2") == 0);
    CHECK(stat("/sandbox/r2/", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(rmdir("/sandbox/r2/") == 0);
}

static void t_files_links(void)
{
    struct stat st;
    char buf[64];
    write_file("/sandbox/target.txt", "target\n");
    CHECK(symlink("target.txt", "/sandbox/lnk") == 0);
    CHECK(lstat("/sandbox/lnk", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("/sandbox/lnk", &st) == 0 && S_ISREG(st.st_mode) &&
          st.st_size == 7);
    ssize_t n = readlink("/sandbox/lnk", buf, sizeof buf);
    CHECK(n == 10 && memcmp(buf, "target.txt", 10) == 0);
    int fd = open("/sandbox/lnk", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 7);
    close(fd);
    /* A link to a directory, used in the middle of a path. */
    CHECK(mkdir("/sandbox/sub", 0755) == 0);
    write_file("/sandbox/sub/in.txt", "in");
    CHECK(symlink("sub", "/sandbox/sublink") == 0);
    CHECK(stat("/sandbox/sublink/in.txt", &st) == 0 && st.st_size == 2);
    CHECK(symlink("../target.txt", "/sandbox/sub/up") == 0);
    CHECK(stat("/sandbox/sub/up", &st) == 0 && st.st_size == 7);
    /* O_NOFOLLOW on a link. */
    CHECK(open("/sandbox/lnk", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);
    /* Hard links. */
    CHECK(link("/sandbox/target.txt", "/sandbox/hard") == 0);
    CHECK(stat("/sandbox/target.txt", &st) == 0 && st.st_nlink == 2);
    CHECK(unlink("/sandbox/hard") == 0);
    /* A loop. */
    CHECK(symlink("loop", "/sandbox/loop") == 0);
    CHECK(open("/sandbox/loop", O_RDONLY) == -1 && errno == ELOOP);
    /* `..` that stays inside is fine. */
    CHECK(stat("/sandbox/sub/../target.txt", &st) == 0);
    CHECK(stat("/sandbox/sub/./../sub/in.txt", &st) == 0);
    CHECK(open_rawz("sub/../target.txt") == 0);
    write_file("/sandbox/kept.txt", "kept\n");
}

static void t_files(void)
{
    t_files_rw();
    t_files_dir();
    t_files_links();
}

/* ------------------------------------------------------- capabilities */

static void t_escape(const char *host_outside)
{
    struct stat st;
    char buf[64];
    int32_t fd;
    /* `..` above the preopen, through libc and raw. */
    CHECK(open("/sandbox/../outside/secret.txt", O_RDONLY) == -1 &&
          errno == ENOTCAPABLE);
    CHECK(open_rawz("../outside/secret.txt") == __WASI_ERRNO_NOTCAPABLE);
    CHECK(open_rawz("..") == __WASI_ERRNO_NOTCAPABLE);
    CHECK(open_rawz("./../outside") == __WASI_ERRNO_NOTCAPABLE);
    CHECK(mkdir("/sandbox/a", 0755) == 0 && mkdir("/sandbox/a/b", 0755) == 0);
    CHECK(open_rawz("a/../../outside/secret.txt") == __WASI_ERRNO_NOTCAPABLE);
    CHECK(open_rawz("a/b/../../../outside") == __WASI_ERRNO_NOTCAPABLE);
    /* The sandbox itself: a directory, so it opens for reading, and asking
     * for fd_write (as open_rawz does) is EISDIR, as open(2) says. */
    CHECK(raw_path_open(SANDBOX_FD, 1, "a/b/../..", 9, 0,
                        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR,
                        ALL_RIGHTS, 0, &fd) == 0 &&
          close(fd) == 0);
    CHECK(open_rawz("a/b/../..") == __WASI_ERRNO_ISDIR);
    /* Absolute paths: the host's own, and one that libc does not map. */
    CHECK(open_rawz("/etc/passwd") == __WASI_ERRNO_NOTCAPABLE);
    char abs[512];
    snprintf(abs, sizeof abs, "%s/secret.txt", host_outside);
    CHECK(open_rawz(abs) == __WASI_ERRNO_NOTCAPABLE);
    CHECK(open(abs, O_RDONLY) == -1);
    CHECK(open("/etc/passwd", O_RDONLY) == -1);
    /* Links that leave: relative, absolute, chained, dangling for
     * create; and the same through stat and link. */
    CHECK(open("/sandbox/evil/secret.txt", O_RDONLY) == -1 &&
          errno == ENOTCAPABLE);
    CHECK(open("/sandbox/evil_abs", O_RDONLY) == -1 && errno == ENOTCAPABLE);
    CHECK(open("/sandbox/chain", O_RDONLY) == -1 && errno == ENOTCAPABLE);
    CHECK(open("/sandbox/evil_new", O_WRONLY | O_CREAT, 0644) == -1 &&
          errno == ENOTCAPABLE);
    CHECK(stat("/sandbox/evil/secret.txt", &st) == -1 && errno == ENOTCAPABLE);
    CHECK(stat("/sandbox/evil_abs", &st) == -1 && errno == ENOTCAPABLE);
    CHECK(lstat("/sandbox/evil_abs", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(opendir("/sandbox/evil") == NULL && errno == ENOTCAPABLE);
    CHECK(link("/sandbox/evil/secret.txt", "/sandbox/stolen") == -1 &&
          errno == ENOTCAPABLE);
    CHECK(mkdir("/sandbox/evil/newdir", 0755) == -1 && errno == ENOTCAPABLE);
    /* Writing operations aimed outside. */
    CHECK(rename("/sandbox/kept.txt", "/sandbox/../outside/stolen") == -1 &&
          errno == ENOTCAPABLE);
    CHECK(unlink("/sandbox/../outside/secret.txt") == -1 &&
          errno == ENOTCAPABLE);
    CHECK(mkdir("/sandbox/../outside/newdir", 0755) == -1 &&
          errno == ENOTCAPABLE);
    CHECK(rmdir("/sandbox/..") == -1);
    CHECK(symlink("/etc/passwd", "/sandbox/abs_link") == -1 &&
          errno == ENOTCAPABLE);
    /* Very long paths and names. */
    static char longpath[5001];
    for (int i = 0; i < 5000; i++)
        longpath[i] = i % 2 ? '/' : 'a';
    longpath[5000] = '\0';
    CHECK(open_raw(SANDBOX_FD, longpath, 5000, 0, &fd) ==
          __WASI_ERRNO_NAMETOOLONG);
    char longname[301];
    memset(longname, 'n', 300);
    longname[300] = '\0';
    CHECK(open_rawz(longname) == __WASI_ERRNO_NAMETOOLONG);
    /* NUL inside a path, empty path. */
    CHECK(open_raw(SANDBOX_FD, "kept.txt\0x", 10, 0, &fd) ==
          __WASI_ERRNO_INVAL);
    CHECK(open_raw(SANDBOX_FD, "", 0, 0, &fd) == __WASI_ERRNO_NOENT);
    /* A directory opened as a file. */
    CHECK(open("/sandbox/a", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(open("/sandbox/a", O_RDWR) == -1 && errno == EISDIR);
    int dfd = open("/sandbox/a", O_RDONLY);
    CHECK(dfd >= 0 && read(dfd, buf, sizeof buf) == -1 && errno == EISDIR);
    close(dfd);
    CHECK(open("/sandbox/kept.txt", O_RDONLY | O_DIRECTORY) == -1 &&
          errno == ENOTDIR);
    CHECK(stat("/sandbox/kept.txt/", &st) == -1 && errno == ENOTDIR);
    /* Descriptors that are not directories, or not open. */
    int ffd = open("/sandbox/kept.txt", O_RDONLY);
    CHECK(ffd >= 0 && open_raw(ffd, "x", 1, 0, &fd) == __WASI_ERRNO_NOTDIR);
    close(ffd);
    CHECK(open_raw(99, "x", 1, 0, &fd) == __WASI_ERRNO_BADF);
    CHECK(raw_path_create_directory(99, "x", 1) == __WASI_ERRNO_BADF);
    /* Nothing was created outside (the host checks too). */
    CHECK(raw_path_filestat_get(SANDBOX_FD, 0, "evil/stolen", 11, buf) ==
          __WASI_ERRNO_NOTCAPABLE);
}

/* -------------------------------------------------- fd table and poll */

/* Opens until the table is full: the host's max_fds bounds it. */
static void t_fds(void)
{
    static int fds[2000];
    int n = 0;
    while (n < 2000 && (fds[n] = open("/sandbox/kept.txt", O_RDONLY)) >= 0)
        n++;
    CHECK(n < 2000 && errno == EMFILE);
    printf("opened=%d\n", n);
    for (int i = 0; i < n; i++)
        CHECK(close(fds[i]) == 0);
    /* The lowest free number is reused. */
    int a = open("/sandbox/kept.txt", O_RDONLY);
    int b = open("/sandbox/a.txt", O_RDONLY);
    CHECK(a == fds[0] && b == fds[1]);
    char buf[16];
    CHECK(__wasi_fd_renumber(b, a) == 0);
    CHECK(read(a, buf, sizeof buf) == 2 && memcmp(buf, "a\n", 2) == 0);
    CHECK(__wasi_fd_close(b) == __WASI_ERRNO_BADF);
    CHECK(__wasi_fd_renumber(a, 999) == __WASI_ERRNO_BADF);
    /* Rights only shrink. */
    __wasi_fdstat_t st;
    CHECK(__wasi_fd_fdstat_get(a, &st) == 0 &&
          st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    CHECK(__wasi_fd_fdstat_set_rights(a, __WASI_RIGHTS_FD_READ, 0) == 0);
    CHECK(__wasi_fd_fdstat_set_rights(
              a, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0) ==
          __WASI_ERRNO_NOTCAPABLE);
    /* (wasi-libc's lseek reports ENOTCAPABLE as ESPIPE.) */
    CHECK(lseek(a, 0, SEEK_SET) == -1 && errno == ESPIPE);
    CHECK(close(a) == 0);
    /* stdio: character devices without seek. */
    CHECK(__wasi_fd_fdstat_get(1, &st) == 0 &&
          st.fs_filetype == __WASI_FILETYPE_CHARACTER_DEVICE &&
          !(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    CHECK(lseek(1, 0, SEEK_CUR) == -1);
    /* The preopen. */
    __wasi_prestat_t ps;
    CHECK(__wasi_fd_prestat_get(SANDBOX_FD, &ps) == 0 &&
          ps.u.dir.pr_name_len == 8);
    char name[8];
    CHECK(__wasi_fd_prestat_dir_name(SANDBOX_FD, (uint8_t *)name, 8) == 0 &&
          memcmp(name, "/sandbox", 8) == 0);
    CHECK(__wasi_fd_prestat_dir_name(SANDBOX_FD, (uint8_t *)name, 4) ==
          __WASI_ERRNO_NAMETOOLONG);
    CHECK(__wasi_fd_prestat_get(1, &ps) == __WASI_ERRNO_BADF);
}

static void t_poll(void)
{
    int fd = open("/sandbox/kept.txt", O_RDONLY);
    CHECK(fd >= 0);
    __wasi_subscription_t sub[3];
    __wasi_event_t ev[3];
    __wasi_size_t n = 0;
    memset(sub, 0, sizeof sub);
    /* A file is ready at once, with its size (kept.txt holds "k"); a
     * long clock does not
     * fire; a closed fd reports EBADF in its event. */
    sub[0].userdata = 10;
    sub[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[0].u.u.fd_read.file_descriptor = (uint32_t)fd;
    sub[1].userdata = 11;
    sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[1].u.u.clock.timeout = 10ull * 1000 * 1000 * 1000;
    sub[2].userdata = 12;
    sub[2].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    sub[2].u.u.fd_write.file_descriptor = 555;
    CHECK(__wasi_poll_oneoff(sub, ev, 3, &n) == 0 && n == 2);
    CHECK(ev[0].userdata == 10 && ev[0].error == 0 &&
          ev[0].type == __WASI_EVENTTYPE_FD_READ &&
          ev[0].fd_readwrite.nbytes == 1);
    CHECK(ev[1].userdata == 12 && ev[1].error == __WASI_ERRNO_BADF);
    /* A clock alone: one event after the time. */
    sub[0] = sub[1];
    sub[0].u.u.clock.timeout = 5 * 1000 * 1000;
    uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(__wasi_poll_oneoff(sub, ev, 1, &n) == 0 && n == 1 &&
          ev[0].userdata == 11 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 >= 5 * 1000 * 1000);
    /* An absolute deadline in the past fires at once. */
    sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    sub[0].u.u.clock.timeout = 1;
    CHECK(__wasi_poll_oneoff(sub, ev, 1, &n) == 0 && n == 1);
    CHECK(__wasi_poll_oneoff(sub, ev, 0, &n) == __WASI_ERRNO_INVAL);
    close(fd);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    if (!strcmp(t, "args"))
        t_args(argc, argv);
    else if (!strcmp(t, "clock"))
        t_clock();
    else if (!strcmp(t, "random"))
        t_random();
    else if (!strcmp(t, "flood"))
        t_flood();
    else if (!strcmp(t, "stdin"))
        t_stdin();
    else if (!strcmp(t, "exit"))
        exit(argc > 2 ? atoi(argv[2]) : 0);
    else if (!strcmp(t, "files"))
        t_files();
    else if (!strcmp(t, "fds"))
        t_fds();
    else if (!strcmp(t, "poll"))
        t_poll();
    else if (!strcmp(t, "escape"))
        t_escape(argc > 2 ? argv[2] : "/nonexistent");
    else {
        fprintf(stderr, "unknown test \"%s\"\n", t);
        return 100;
    }
    fflush(stdout);
    return failures > 99 ? 99 : failures;
}
