#!/usr/bin/env bash
# The trash and versions on the embedded default, release build:
#  - a folder of FILES small files: delete (to the trash), list the trash,
#    restore, delete again, empty the trash — each timed;
#  - a 1 MiB file overwritten ROUNDS times with versions kept (the default
#    10) and with none kept, in two servers: mean time per overwrite.
#
#   bench/trash.sh             # FILES=10000 ROUNDS=50
#   BACKEND=aws STRONGROOM_TEST_AWS_ENDPOINT=$(scripts/moto) bench/trash.sh
#                              # the same on S3 + DynamoDB (moto: for the shape
#                              # of the curve, not absolute times)
#
# Needs curl and python3. Binds 127.0.0.1 only and stops the servers it started.
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${FILES:-10000}
ROUNDS=${ROUNDS:-50}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
pids=()
cleanup() {
    # `|| true`: under `set -e` a process ended by the signal (status 143)
    # would stop this loop before the next one is stopped.
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.2f}')"; }

echo "== building the release binary"
cargo build --release --locked --bin strongroom >/dev/null 2>&1

# start NAME [ENV=VALUE...]: a server on its own data folder; sets url and auth.
start() {
    local name=$1; shift
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    local storage=()
    if [ "${BACKEND:-embedded}" = aws ]; then
        local unique="bench-$name-$RANDOM$RANDOM"
        storage=(STRONGROOM_STORAGE__BLOB=s3 STRONGROOM_STORAGE__META=dynamodb
            STRONGROOM_STORAGE__AUTO_CREATE=true STRONGROOM_STORAGE__AWS__REGION=us-east-1
            STRONGROOM_STORAGE__AWS__ENDPOINT_URL="$STRONGROOM_TEST_AWS_ENDPOINT"
            STRONGROOM_STORAGE__S3__BUCKET="$unique" STRONGROOM_STORAGE__S3__FORCE_PATH_STYLE=true
            STRONGROOM_STORAGE__DYNAMODB__TABLE="$unique"
            AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true)
    fi
    # (The endpoint's own variable would read as an unknown config key.)
    env -u STRONGROOM_TEST_AWS_ENDPOINT STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/$name" STRONGROOM_LOG=warn \
        STRONGROOM_LIMITS__NODES_PER_ACCOUNT=1000000 "${storage[@]}" "$@" \
        target/release/strongroom >"$work/$name.log" 2>&1 &
    pids+=($!)
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","password":"benchmark passphrase"}' >/dev/null
    local token
    token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","password":"benchmark passphrase"}' | json_field access_token)
    auth="Authorization: Bearer $token"
}

start main
echo "== a folder of $FILES files"
folder=$(curl -fs "$url/api/v1/folders" -H "$auth" -H 'content-type: application/json' \
    -d '{"parent_id":"root","name":"many"}' | json_field id)
seq 1 "$FILES" | xargs -P 8 -I{} curl -fs -o /dev/null -X PUT --data-binary x -H "$auth" \
    "$url/api/v1/folders/$folder/files/f{}.txt"
t=$(now); curl -fs -X DELETE -H "$auth" "$url/api/v1/nodes/$folder"; echo "delete (to the trash): $(since "$t") s"
t=$(now); curl -fs -o /dev/null -H "$auth" "$url/api/v1/trash"; echo "list the trash: $(since "$t") s"
t=$(now); curl -fs -o /dev/null -X POST -H "$auth" -H 'content-type: application/json' -d '{}' \
    "$url/api/v1/trash/$folder/restore"; echo "restore: $(since "$t") s"
curl -fs -X DELETE -H "$auth" "$url/api/v1/nodes/$folder"
t=$(now); curl -fs -X DELETE -H "$auth" "$url/api/v1/trash"; echo "empty the trash: $(since "$t") s"

head -c $((1024 * 1024)) /dev/urandom >"$work/one.bin"
overwrites() {
    curl -fs -o /dev/null -T "$work/one.bin" -H "$auth" "$url/api/v1/folders/root/files/one.bin"
    local t; t=$(now)
    for _ in $(seq 1 "$ROUNDS"); do
        curl -fs -o /dev/null -T "$work/one.bin" -H "$auth" "$url/api/v1/folders/root/files/one.bin?overwrite=true"
    done
    python3 -c "print(f'{($(now) - $t) / $ROUNDS * 1000:.1f}')"
}
echo "== $ROUNDS overwrites of a 1 MiB file"
echo "versions kept (10): $(overwrites) ms each"
start plain STRONGROOM_VERSIONS_KEPT=0
echo "no versions kept:   $(overwrites) ms each"
