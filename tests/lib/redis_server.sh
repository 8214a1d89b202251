# A real redis-server for a shell test (source this file): redis_start
# runs one on a free loopback port in a directory of its own, with nothing
# saved, and sets REDIS_PORT, REDIS_PID and REDIS_URL; redis_stop ends it.
# redis_start installs an EXIT trap that stops it, so a failing test never
# leaves it behind (a test with its own EXIT trap calls redis_stop there).

REDIS_PID=
REDIS_DIR=

redis_stop() {
    if [ -n "$REDIS_PID" ]; then
        kill -9 "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        REDIS_PID=
    fi
    if [ -n "$REDIS_DIR" ]; then
        rm -rf "$REDIS_DIR"
        REDIS_DIR=
    fi
}

# A port nobody listens on now (asked of the kernel).
redis_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_start() {
    command -v redis-server >/dev/null ||
        { echo "redis-server missing: apt-get install redis-server (make deps)" >&2; return 1; }
    REDIS_DIR=$(mktemp -d /tmp/wx-redis-sh-XXXXXX)
    REDIS_PORT=$(redis_free_port)
    trap redis_stop EXIT
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
        --appendonly no --dir "$REDIS_DIR" --daemonize no "$@" \
        >"$REDIS_DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
    # Up to 10 s in 20 ms steps: counted tries, not a clock.
    local i
    for i in $(seq 500); do
        if [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
            return 0
        fi
        kill -0 "$REDIS_PID" 2>/dev/null ||
            { cat "$REDIS_DIR/redis.log" >&2; return 1; }
        sleep 0.02
    done
    echo "redis-server on port $REDIS_PORT does not answer" >&2
    return 1
}
