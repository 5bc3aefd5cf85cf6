#!/usr/bin/env bash
# Strongroom on S3 next to rclone, both against the same local S3 server
# (s3s-fs, a fast file-system-backed one) in the same run: a 1 GiB file
# uploaded and downloaded through Strongroom (curl; objects on S3, records in
# SQLite) and the same plaintext file copied up and down with `rclone copyto`
# (an env-configured s3 remote, provider Other). Each figure is the median of
# ROUNDS rounds. Prints MB/s and the ratios Strongroom / rclone.
#
#   bench/s3.sh                  # SIZE_MB=1024 ROUNDS=3
#   SERVER=path/to/strongroom bench/s3.sh
#
# Installs s3s-fs (once) into target/tools with cargo. Needs curl, python3,
# rclone (apt-get install rclone) and about 5 GiB of free disk per GiB of
# SIZE_MB. Everything listens on 127.0.0.1 only and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
ROUNDS=${ROUNDS:-3}
SERVER=${SERVER:-}
RCLONE=${RCLONE:-rclone}
# The newest s3s-fs that builds on the workspace's Rust (1.95); 0.15 and
# later need 1.96.
S3S_VERSION=0.14.1
s3s=target/tools/s3s-fs-$S3S_VERSION/bin/s3s-fs
command -v "$RCLONE" >/dev/null || { echo "rclone is missing: apt-get install rclone" >&2; exit 1; }
if [ ! -x "$s3s" ]; then
    echo "== installing s3s-fs $S3S_VERSION into target/tools (once)"
    cargo install s3s-fs --version "$S3S_VERSION" --features binary --locked \
        --root "target/tools/s3s-fs-$S3S_VERSION" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-s3.XXXXXX")
pids=()
cleanup() {
    # `|| true`: under `set -e` a process ended by the signal (status 143)
    # would stop this loop before the next one is stopped.
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
mbps() { python3 -c "print(f'{$bytes / 1e6 / $1:.0f}')"; }
ratio() { python3 -c "print(f'{$2 / $1:.2f}')"; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null || exit 1; end=$(date +%s.%N); python3 -c "print($end - $start)"; }

if [ -z "$SERVER" ]; then
    echo "== building the release binary"
    cargo build --release --locked --bin strongroom >/dev/null 2>&1
    SERVER=target/release/strongroom
fi

echo "== test file: ${SIZE_MB} MiB of random bytes"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
big_sum=$(sha256sum "$work/big.bin" | cut -d' ' -f1)

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_REGION=us-east-1
echo "== starting s3s-fs $S3S_VERSION"
s3_port=$(free_port)
mkdir -p "$work/s3/strongroom" "$work/s3/plain"
"$s3s" --host 127.0.0.1 --port "$s3_port" --access-key "$AWS_ACCESS_KEY_ID" \
    --secret-key "$AWS_SECRET_ACCESS_KEY" "$work/s3" >"$work/s3s.log" 2>&1 &
pids+=($!)
s3_url="http://127.0.0.1:$s3_port"
for _ in $(seq 1 100); do curl -s -o /dev/null "$s3_url/" && break; sleep 0.1; done

echo "== starting strongroom (objects on s3s-fs, records in SQLite)"
port=$(free_port)
STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" STRONGROOM_LOG=warn \
    STRONGROOM_TRASH_RETENTION_DAYS=0 \
    STRONGROOM_STORAGE__BLOB=s3 STRONGROOM_STORAGE__AUTO_CREATE=true \
    STRONGROOM_STORAGE__AWS__ENDPOINT_URL="$s3_url" STRONGROOM_STORAGE__AWS__REGION="$AWS_REGION" \
    STRONGROOM_STORAGE__S3__BUCKET=strongroom STRONGROOM_STORAGE__S3__FORCE_PATH_STYLE=true \
    "$SERVER" >"$work/server.log" 2>&1 &
pids+=($!)
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
credentials='{"email":"bench@example.com","password":"benchmark passphrase"}'
curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' -d "$credentials" >/dev/null
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' -d "$credentials" |
    json_field access_token)
auth="Authorization: Bearer $token"

export RCLONE_CONFIG_S3FS_TYPE=s3 RCLONE_CONFIG_S3FS_PROVIDER=Other \
    RCLONE_CONFIG_S3FS_ENDPOINT="$s3_url" RCLONE_CONFIG_S3FS_REGION="$AWS_REGION" \
    RCLONE_CONFIG_S3FS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
    RCLONE_CONFIG_S3FS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
    RCLONE_CONFIG_S3FS_FORCE_PATH_STYLE=true
rclone_flags=(--config /dev/null --no-check-dest)
# The endpoint is plain http: a CA bundle from the environment is not needed,
# and rclone refuses to start with one (LoadCustomCABundleError).
unset AWS_CA_BUNDLE

rc_up=() rc_down=() sr_up=() sr_down=()
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS"
    rc_up+=("$(seconds "$RCLONE" "${rclone_flags[@]}" copyto "$work/big.bin" "s3fs:plain/big-$round.bin")")
    rc_down+=("$(seconds "$RCLONE" "${rclone_flags[@]}" copyto "s3fs:plain/big-$round.bin" "$work/down.bin")")
    [ "$(sha256sum "$work/down.bin" | cut -d' ' -f1)" = "$big_sum" ] || { echo "rclone copy differs!" >&2; exit 1; }
    rm -f "$work/down.bin" "$work/s3/plain/big-$round.bin"
    sr_up+=("$(curl -fsS -o "$work/node.json" -w '%{time_total}' -T "$work/big.bin" -H "$auth" \
        "$url/api/v1/folders/root/files/big-$round.bin")")
    id=$(json_field id <"$work/node.json")
    sr_down+=("$(curl -fsS -o /dev/null -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")")
    [ "$round" = 1 ] && { [ "$(curl -fsS -H "$auth" "$url/api/v1/files/$id/content" | sha256sum | cut -d' ' -f1)" = "$big_sum" ] ||
        { echo "Strongroom download differs!" >&2; exit 1; }; }
    curl -fsS -o /dev/null -X DELETE -H "$auth" "$url/api/v1/nodes/$id"
done

ru=$(mbps "$(median "${rc_up[@]}")")
rd=$(mbps "$(median "${rc_down[@]}")")
su=$(mbps "$(median "${sr_up[@]}")")
sd=$(mbps "$(median "${sr_down[@]}")")
all() { for t in "$@"; do printf '%s ' "$(mbps "$t")"; done; }
cat <<REPORT

Strongroom vs rclone on s3s-fs $S3S_VERSION ($(nproc) cores, $(date -u +%F), ${SIZE_MB} MiB, median of $ROUNDS; MB/s)
                 rclone   Strongroom   ratio   all rounds: rclone | Strongroom
  upload         $ru       $su        $(ratio "$ru" "$su")x   $(all "${rc_up[@]}")| $(all "${sr_up[@]}")
  download       $rd       $sd        $(ratio "$rd" "$sd")x   $(all "${rc_down[@]}")| $(all "${sr_down[@]}")
  rclone: copyto of the plaintext, to and from a file; Strongroom: curl through the API, encrypted.
REPORT
