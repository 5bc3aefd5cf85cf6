# Sourced by the contract scripts: starts the debug server (built by `cargo
# test`) on the embedded backends, a free loopback port and a fresh data
# folder, and stops it when the script exits. Sets `url`, `data`, `server`.
# Arguments are more NAME=value settings for the server.

start_server() {
    [ -x target/debug/strongroom ] || cargo build --locked --bin strongroom
    data=$(mktemp -d)
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # The test run's own STRONGROOM_TEST_* variables are not server
    # configuration (the server refuses unknown keys), so they are left out.
    # Every client here is 127.0.0.1: the per-address limits are raised so
    # the clients are not throttled (the Rust suite tests the limits).
    env -u STRONGROOM_TEST_AWS_ENDPOINT -u STRONGROOM_TEST_BACKEND \
        STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$data" STRONGROOM_LOG="${STRONGROOM_LOG:-warn}" \
        STRONGROOM_STORAGE__BLOB=fs STRONGROOM_STORAGE__META=sqlite \
        STRONGROOM_LIMITS__LOGIN_PER_MINUTE=1000000 STRONGROOM_LIMITS__SIGNUP_PER_HOUR=1000000 \
        STRONGROOM_LIMITS__REFRESH_PER_MINUTE=1000000 STRONGROOM_LIMITS__SHARE_PER_MINUTE=1000000 \
        STRONGROOM_WEB_DIR="$data/no-web-app" "$@" \
        target/debug/strongroom >"$data/server.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fs "$url/healthz" >/dev/null || server_fail "the server did not start"
}

server_fail() {
    echo "${0##*/}: $*; server log:" >&2
    cat "$data/server.log" >&2
    exit 1
}

# Fails when the server panicked while serving (it must never).
check_no_panic() {
    if grep -qi "panicked" "$data/server.log"; then
        echo "the server panicked:" >&2
        grep -i -A5 "panicked" "$data/server.log" >&2
        exit 1
    fi
}

# Signs up an account and prints an access token for it.
new_token() {
    local credentials="{\"email\":\"$1\",\"password\":\"$2\"}" login
    curl -fsS "$url/api/v1/auth/signup" -H 'content-type: application/json' -d "$credentials" >/dev/null ||
        server_fail "sign-up failed"
    login=$(curl -fsS "$url/api/v1/auth/login" -H 'content-type: application/json' -d "$credentials") ||
        server_fail "log-in failed"
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$login"
}
