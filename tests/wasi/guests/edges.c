/*
 * WASI preview 1 edge cases that an external conformance suite checks
 * (issue 15): the socket calls on descriptors that are no sockets,
 * directories opened with fd_write, and links made (or a file renamed) at
 * a name with a trailing slash. A command run with /sandbox preopened (fd 3); every
 * call goes straight to the host through <wasi/api.h>, so the errno seen
 * is the host's, not wasi-libc's. Prints each failure to stderr, then
 * "checks=N failed=M" to stdout, and exits with M.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define SANDBOX_FD 3

static int checks, failures;

/* `got` is the errno `want`; names the call and both numbers if not. */
#define EXPECT(got, want) expect_errno((got), (want), #got, __LINE__)

static void expect_errno(int got, int want, const char *what, int line)
{
    checks++;
    if (got != want) {
        failures++;
        fprintf(stderr, "FAIL line %d: %s: errno %d, want %d\n", line, what,
                got, want);
    }
}

#define CHECK(cond)                                                           \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond);           \
        }                                                                     \
    } while (0)

/* The rights wasi-libc asks for in opendir() (O_RDONLY | O_DIRECTORY):
 * everything but the four that need the file open for writing. */
#define WRITE_RIGHTS                                                          \
    (__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_WRITE |                     \
     __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)
#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffff)
#define OPENDIR_RIGHTS                                                        \
    ((ALL_RIGHTS & ~WRITE_RIGHTS) | __WASI_RIGHTS_FD_READ |                   \
     __WASI_RIGHTS_FD_READDIR)

static __wasi_errno_t open_at(const char *path, __wasi_oflags_t oflags,
                              __wasi_rights_t base, __wasi_fd_t *fd)
{
    return __wasi_path_open(SANDBOX_FD, 0, path, oflags, base, ALL_RIGHTS, 0,
                            fd);
}

/* Whether `path` exists in the sandbox (without following a link). */
static int present(const char *path)
{
    __wasi_filestat_t st;
    return __wasi_path_filestat_get(SANDBOX_FD, 0, path, &st) == 0;
}

/* -------------------------------------------------------------- sockets */

/* No descriptor is a socket: an open one is ENOTSOCK, a closed or never
 * opened one EBADF, for all four socket calls. */
static void sock_on(__wasi_fd_t fd, __wasi_errno_t want)
{
    uint8_t buf[4];
    __wasi_iovec_t iov = {buf, sizeof buf};
    __wasi_ciovec_t ciov = {buf, sizeof buf};
    __wasi_size_t n;
    __wasi_roflags_t roflags;
    __wasi_fd_t newfd;
    EXPECT(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR),
           want);
    EXPECT(__wasi_sock_accept(fd, 0, &newfd), want);
    EXPECT(__wasi_sock_recv(fd, &iov, 1, 0, &n, &roflags), want);
    EXPECT(__wasi_sock_send(fd, &ciov, 1, 0, &n), want);
}

static void test_sockets(void)
{
    sock_on(99, __WASI_ERRNO_BADF);
    sock_on(1, __WASI_ERRNO_NOTSOCK);          /* stdout */
    sock_on(SANDBOX_FD, __WASI_ERRNO_NOTSOCK); /* a directory */
    __wasi_fd_t fd;
    EXPECT(open_at("sock.txt", __WASI_OFLAGS_CREAT, ALL_RIGHTS, &fd), 0);
    sock_on(fd, __WASI_ERRNO_NOTSOCK); /* a regular file */
    EXPECT(__wasi_fd_close(fd), 0);
    sock_on(fd, __WASI_ERRNO_BADF); /* closed again */
}

/* ------------------------------------------------------------ path_open */

static void test_open_dir(void)
{
    __wasi_fd_t fd;
    EXPECT(__wasi_path_create_directory(SANDBOX_FD, "d"), 0);
    EXPECT(open_at("f", __WASI_OFLAGS_CREAT, ALL_RIGHTS, &fd), 0);
    EXPECT(__wasi_fd_close(fd), 0);

    /* A directory cannot be written: asking for fd_write is EISDIR, with
     * O_DIRECTORY or without, and through a trailing slash. */
    const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE;
    EXPECT(open_at("d", __WASI_OFLAGS_DIRECTORY, rw, &fd), __WASI_ERRNO_ISDIR);
    EXPECT(open_at("d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_WRITE, &fd),
           __WASI_ERRNO_ISDIR);
    EXPECT(open_at("d", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS, &fd),
           __WASI_ERRNO_ISDIR);
    EXPECT(open_at("d", 0, __WASI_RIGHTS_FD_WRITE, &fd), __WASI_ERRNO_ISDIR);
    EXPECT(open_at("d/", 0, rw, &fd), __WASI_ERRNO_ISDIR);
    EXPECT(open_at(".", __WASI_OFLAGS_DIRECTORY, rw, &fd), __WASI_ERRNO_ISDIR);
    /* A file is no directory, whatever the rights. */
    EXPECT(open_at("f", __WASI_OFLAGS_DIRECTORY, rw, &fd),
           __WASI_ERRNO_NOTDIR);
    EXPECT(open_at("f", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, &fd),
           __WASI_ERRNO_NOTDIR);

    /* What opendir asks for opens it, and reads it. */
    EXPECT(open_at("d", __WASI_OFLAGS_DIRECTORY, OPENDIR_RIGHTS, &fd), 0);
    __wasi_fdstat_t st;
    EXPECT(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK(st.fs_filetype == __WASI_FILETYPE_DIRECTORY);
    CHECK(!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
    uint8_t buf[256];
    __wasi_size_t used = 0;
    EXPECT(__wasi_fd_readdir(fd, buf, sizeof buf, 0, &used), 0);
    CHECK(used > 0); /* at least "." and ".." */
    EXPECT(__wasi_fd_close(fd), 0);
    /* fd_datasync on a directory is no write: how a rename is made
     * durable. */
    EXPECT(open_at("d", __WASI_OFLAGS_DIRECTORY,
                   __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_DATASYNC, &fd),
           0);
    EXPECT(__wasi_fd_datasync(fd), 0);
    EXPECT(__wasi_fd_close(fd), 0);
    /* And through wasi-libc. */
    DIR *dir = opendir("/sandbox/d");
    CHECK(dir != NULL);
    if (dir) {
        CHECK(readdir(dir) != NULL);
        closedir(dir);
    }
}

/* ---------------------------------------------------------------- links */

static void test_links(void)
{
    /* "f" and "d" are test_open_dir's. A new name that ends in '/' wants
     * a directory, which no link is: ENOENT, and nothing made. */
    EXPECT(__wasi_path_link(SANDBOX_FD, 0, "f", SANDBOX_FD, "link/"),
           __WASI_ERRNO_NOENT);
    CHECK(!present("link"));
    EXPECT(__wasi_path_symlink("f", SANDBOX_FD, "slink/"), __WASI_ERRNO_NOENT);
    CHECK(!present("slink"));
    /* A taken name stays taken (EEXIST), slash or not. */
    EXPECT(__wasi_path_link(SANDBOX_FD, 0, "f", SANDBOX_FD, "d/"),
           __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_symlink("f", SANDBOX_FD, "d/"), __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_symlink("f", SANDBOX_FD, "d"), __WASI_ERRNO_EXIST);
    /* The existing name is not a directory: still EEXIST, as on Linux. */
    EXPECT(__wasi_path_link(SANDBOX_FD, 0, "d", SANDBOX_FD, "f/"),
           __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_symlink("d", SANDBOX_FD, "f/"), __WASI_ERRNO_EXIST);
    /* A source with a trailing slash must be a directory. */
    EXPECT(__wasi_path_link(SANDBOX_FD, 0, "f/", SANDBOX_FD, "link"),
           __WASI_ERRNO_NOTDIR);
    CHECK(!present("link"));
    /* Without the slash both are made. */
    EXPECT(__wasi_path_link(SANDBOX_FD, 0, "f", SANDBOX_FD, "link"), 0);
    CHECK(present("link"));
    EXPECT(__wasi_path_symlink("f", SANDBOX_FD, "slink"), 0);
    CHECK(present("slink"));
    EXPECT(__wasi_path_unlink_file(SANDBOX_FD, "link"), 0);
    EXPECT(__wasi_path_unlink_file(SANDBOX_FD, "slink"), 0);
}

/* ---------------------------------------------------------------- rename */

static void test_rename(void)
{
    /* A new name that ends in '/' wants a directory: a file cannot move
     * there (ENOTDIR, as rename(2) answers), and stays where it was. */
    EXPECT(__wasi_path_rename(SANDBOX_FD, "f", SANDBOX_FD, "moved/"),
           __WASI_ERRNO_NOTDIR);
    CHECK(present("f"));
    CHECK(!present("moved"));
    /* A directory can, slash or not. */
    EXPECT(__wasi_path_rename(SANDBOX_FD, "d", SANDBOX_FD, "d2/"), 0);
    CHECK(present("d2") && !present("d"));
    EXPECT(__wasi_path_rename(SANDBOX_FD, "d2/", SANDBOX_FD, "d"), 0);
    CHECK(present("d") && !present("d2"));
    /* A file without the slash moves, and back. */
    EXPECT(__wasi_path_rename(SANDBOX_FD, "f", SANDBOX_FD, "moved"), 0);
    EXPECT(__wasi_path_rename(SANDBOX_FD, "moved", SANDBOX_FD, "f"), 0);
    CHECK(present("f"));
}

int main(void)
{
    test_sockets();
    test_open_dir();
    test_links();
    test_rename();
    printf("checks=%d failed=%d\n", checks, failures);
    return failures > 255 ? 255 : failures;
}
