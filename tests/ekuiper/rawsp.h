/*
 * A minimal Scalability Protocols endpoint over a Unix socket, with plain
 * blocking reads and writes: the benchmark's eKuiper side, costing almost
 * nothing, so that what it measures is the plugin's side alone. Real
 * eKuiper speaks SP through mangos (pure Go), not libnng; timing the
 * plugin against the NNG simulator (sim.c) mixes NNG's costs on both ends.
 * Benchmark only: the tests use the simulator.
 *
 * The wire format of the "ipc" transport (NNG and mangos alike):
 *
 *   connection header, each side sends one and reads the peer's:
 *       00 'S' 'P' 00  proto(16-bit big-endian)  00 00
 *       proto = 16 * major + minor: REQ0 0x30, REP0 0x31
 *   then messages, each framed as
 *       01  length(64-bit big-endian)  payload(length bytes)
 *
 * REQ/REP put a backtrace in front of the body: a REQ sends a 4-byte
 * request id with the high bit set; a REP keeps the backtrace of the
 * last request it received and puts it in front of its reply (PROTOCOL.md
 * 2.4: in eKuiper's channels the REP side is eKuiper, and its "replies"
 * are its commands and calls).
 */
#ifndef WX_TESTS_EKUIPER_RAWSP_H
#define WX_TESTS_EKUIPER_RAWSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAWSP_REQ0 0x30
#define RAWSP_REP0 0x31

typedef struct rawsp {
    int fd;
    int timeout_ms; /* of every read and write (SO_RCVTIMEO/SO_SNDTIMEO) */
    uint16_t proto; /* ours */
    /* REP: the backtrace of the request to answer. */
    uint8_t trace[32];
    size_t trace_len;
    uint32_t last_id; /* REQ: the id of the request last sent */
    char *buf;        /* the last message received, NUL-terminated */
    size_t cap;
    struct rawsp_rd *rd; /* bytes read and not yet framed */
    /* REP: answers starting with 'h' that made the exchange resend
     * (stale handshakes, PROTOCOL.md 2.4). */
    unsigned stale;
} rawsp;

/* A listening Unix socket at `path` (a stale file there is removed):
 * the descriptor, or -1 with errno set. */
int rawsp_listen(const char *path);

/* Accepts one connection on `lfd` and exchanges connection headers as
 * `proto`, checking the peer's is `peer`. 0, or -1 with errno set
 * (EPROTO for a bad header). */
int rawsp_accept(rawsp *s, int lfd, uint16_t proto, uint16_t peer,
                 int timeout_ms);
/* Connects to `path` and exchanges headers, as rawsp_accept. */
int rawsp_connect(rawsp *s, const char *path, uint16_t proto, uint16_t peer,
                  int timeout_ms);
void rawsp_close(rawsp *s);

/*
 * Receives one message; *body, *len: its body, backtrace removed (valid
 * until the next receive). As a REP, the backtrace is kept for the
 * answer; as a REQ, the id must be that of the request last sent (older
 * answers are dropped, as a REQ socket drops them). 0, or -1 with errno
 * set.
 */
int rawsp_recv(rawsp *s, const char **body, size_t *len);

/* Sends `len` bytes: as a REP, behind the kept backtrace (EPROTO when
 * there is none: nothing to answer); as a REQ, behind a new request id. */
int rawsp_send(rawsp *s, const void *body, size_t len);

/*
 * eKuiper's exchange on a function channel (NanomsgReqRepChannel.Req), as
 * sim_exchange does it: answer the pending request with `msg` (first
 * receiving the plugin's handshake if none is pending), receive the
 * answer, and send `msg` again for as long as answers start with 'h'.
 * *ans, *len as rawsp_recv.
 */
int rawsp_exchange(rawsp *s, const char *msg, size_t msg_len, const char **ans,
                   size_t *len);

#endif
