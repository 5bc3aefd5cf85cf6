#!/usr/bin/env bash
# Online password guessing against one account, and what the flood does to
# other users' log-ins (bench/login_flood.py), on the embedded default in a
# release build. Two runs: all guesses from one client address, then spread
# over 100 addresses (X-Forwarded-For, with 127.0.0.1 as a trusted proxy).
#
#   bench/login_flood.sh            # 20 s per run (SECONDS_PER_RUN to change)
#
# Binds 127.0.0.1 only and stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
cargo build --release --locked --bin strongroom >/dev/null 2>&1

run() {
    local addresses=$1 data port server
    data=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    env STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$data" STRONGROOM_LOG=error \
        STRONGROOM_TRUSTED_PROXIES='["127.0.0.1/32"]' target/release/strongroom &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    python3 bench/login_flood.py "http://127.0.0.1:$port" --seconds "$SECONDS_PER_RUN" --addresses "$addresses"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -rf "$data"
}

echo "== one address"
run 1
echo "== 100 addresses"
run 100
