/*
 * An eKuiper 2.x simulator: the host side of the portable-plugin protocol,
 * written from shared/ekuiper/PROTOCOL.md (2.2 - 2.6, 2.13), for the
 * end-to-end tests and the benchmark.
 *
 *   - listen first (REP0, RECVMAXSZ 0, 5 tries 100 ms apart), then spawn
 *     the executable with argv[1] = {"sendTimeout":1000} and the working
 *     directory set to its own directory;
 *   - the handshake: one message, any content, within the init timeout;
 *   - commands and calls with eKuiper's exchange: send; on a protocol-state
 *     error receive one message, drop it and send again; receive the
 *     answer; an answer starting with 'h' is a stale handshake: send the
 *     same message again.
 *
 * Every wait is bounded by the channel's timeouts.
 */
#ifndef WX_TESTS_EKUIPER_SIM_H
#define WX_TESTS_EKUIPER_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nng/nng.h>

typedef struct sim_chan {
    nng_socket rep;
    bool open;
    char url[176];
    char path[160]; /* the socket file, removed by sim_chan_close */
    int recv_ms, send_ms;
    /* Answers starting with 'h' that made the exchange resend, and
     * messages dropped after a protocol-state error. */
    unsigned stale, estate;
} sim_chan;

/* "ipc:///tmp/plugin_<name>.ipc" and "ipc:///tmp/func_<symbol>.ipc". */
int sim_listen_control(sim_chan *c, const char *plugin, int recv_ms);
int sim_listen_func(sim_chan *c, const char *symbol, int recv_ms, int send_ms);
void sim_chan_close(sim_chan *c);

/* The plugin's first message, within `timeout_ms`; 0 or an NNG error. */
int sim_handshake(sim_chan *c, int timeout_ms);

/* eKuiper's exchange (SendCmd / Req): 0 and the answer, NUL-terminated,
 * in *answer (free with free()), or an NNG error. Unlike eKuiper, it
 * gives up (NNG_ETIMEDOUT) after SIM_EXCHANGE_MAX_MS of stale answers. */
#define SIM_EXCHANGE_MAX_MS 20000
int sim_exchange(sim_chan *c, const char *msg, char **answer);

/* A function's start (or stop) command, as eKuiper writes it. */
void sim_func_cmd(char *buf, size_t size, const char *cmd, const char *symbol);

/* The process: fork and exec `exe` with one argument, in exe's directory,
 * stdout and stderr appended to `log`, killed if the caller dies. -1 on
 * failure. */
pid_t sim_spawn(const char *exe, const char *arg, const char *log);
/* Waits for the process at most `timeout_ms`: true with its wait status,
 * false if it is still running. */
bool sim_wait(pid_t pid, int timeout_ms, int *status);
/* SIGKILL and reap (bounded). */
void sim_kill(pid_t pid);

/* Monotonic milliseconds. */
int64_t sim_now_ms(void);

#endif
