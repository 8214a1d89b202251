/*
 * The REST daemon's entry point (docs/rest.md): `wasmext serve` calls it.
 *
 *   wasmext serve [--listen 127.0.0.1:9281] [--db PATH] [--threads N]
 *                 [--log-level debug|info|warn|error] ...
 *
 * It returns the process's exit code once the daemon has stopped: 0 after
 * SIGTERM or SIGINT (in-flight requests drained, registry closed), 1 when
 * it could not start (address in use, registry unreadable), 2 for a usage
 * error. It blocks SIGTERM and SIGINT in the calling thread and ignores
 * SIGPIPE: call it from the main thread of a process that does nothing
 * else.
 */
#ifndef WX_DAEMON_DAEMON_H
#define WX_DAEMON_DAEMON_H

/* argv[0] is "serve"; the options follow. `db`: a registry chosen before
 * the command (the CLI's global `--db PATH`), or NULL; the command's own
 * --db takes precedence. */
int wxd_serve_main_db(const char *db, int argc, char **argv);

#endif
