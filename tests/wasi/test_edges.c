/*
 * Preview 1 edge cases from an external conformance suite (issue 15): the
 * edges guest calls the host directly and counts its own checks (socket
 * calls on descriptors that are no sockets, directories opened with
 * fd_write, links at names with a trailing slash). Here the host side:
 * the guest ran clean, with the kernel's openat2 and with the walk, and
 * left in the sandbox what it says it did.
 *
 * Usage: test_edges GUEST_DIR
 */
#include "wasi_test.h"

static void run_edges(const wx_module *m, bool walk)
{
    tree t;
    tree_make(&t);
    const char *const args[] = {"edges"};
    wxw_opts o = tree_opts(&t, 1, args);
    o.flags = walk ? WXW_FLAG_NO_OPENAT2 : 0;
    const char *what = walk ? "edges (walk)" : "edges (openat2)";
    capture cap = {0};
    wx_error err;
    int code = -1;
    wx_status s = run_guest(m, &o, &code, &cap, &err);
    CHECK_MSG(s == WX_OK, "%s: %s: %s", what, wx_status_name(s), err.message);
    int checks = -1, failed = -1;
    CHECK_MSG(sscanf(captured(&cap, 1), "checks=%d failed=%d", &checks,
                     &failed) == 2,
              "%s: no summary in \"%s\"", what, captured(&cap, 1));
    CHECK_MSG(code == 0 && failed == 0 && checks > 0,
              "%s: exit %d, %d of %d guest checks failed:\n%s", what, code,
              failed, checks, captured(&cap, 2));
    printf("%s: %d guest checks, %d failed\n", what, checks, failed);

    /* What the guest made and removed, seen from the host. */
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/d", t.sandbox);
    CHECK_MSG(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "%s: no d/", what);
    static const char *const gone[] = {"link", "slink", "moved", "d2"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t.sandbox, gone[i]);
        CHECK_MSG(!exists(p), "%s: %s is left in the sandbox", what, gone[i]);
    }
    tree_check_outside(&t, what);
    capture_free(&cap);
    tree_free(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    wx_module *m = load_guest("edges.wasm");
    if (!m)
        return CHECK_DONE();
    run_edges(m, false);
    run_edges(m, true);
    wx_module_free(m);
    return CHECK_DONE();
}
