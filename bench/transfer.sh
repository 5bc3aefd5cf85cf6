#!/usr/bin/env bash
# Upload and download throughput of Strongroom on the embedded default, next to
# `cp` and `openssl speed` on the same machine, plus the server's peak memory and
# the latency of the first page of a 10,000-file folder.
#
#   bench/transfer.sh            # 1 GiB file (set SIZE_MB to change)
#
# Needs curl, openssl and python3 (for the median). Binds 127.0.0.1 only and
# stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
FILES=${FILES:-10000}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
mbps() { python3 -c "import sys; print(f'{$1 / 1e6 / $2:.0f}')"; }

echo "== building the release binary"
cargo build --release --locked --bin strongroom >/dev/null 2>&1

echo "== test file: ${SIZE_MB} MiB of random bytes"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
sync

start=$(now); cp "$work/big.bin" "$work/copy.bin"; sync; end=$(now)
cp_mbps=$(mbps "$bytes" "$(python3 -c "print($end - $start)")")
rm -f "$work/copy.bin"

openssl_line=$(openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3 2>/dev/null | grep -i '^aes-256-gcm' | tail -1)
openssl_kbps=$(echo "$openssl_line" | awk '{print $NF}' | tr -d k)
openssl_mbps=$(python3 -c "print(f'{$openssl_kbps * 1000 / 1e6:.0f}')")

echo "== starting strongroom"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" STRONGROOM_LOG=warn \
    STRONGROOM_MAX_UPLOAD_BYTES=$((4 * 1024 * 1024 * 1024)) \
    target/release/strongroom >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchmark passphrase"}' >/dev/null
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"benchmark passphrase"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth="Authorization: Bearer $token"

# Peak RSS from here on: the sign-up's Argon2 work (19 MiB per hash) is not
# part of a transfer. Writing 5 to clear_refs resets VmHWM (Linux >= 4.0).
idle_kib=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM; peak includes start-up)"

echo "== upload and download"
up=$(curl -fs -o "$work/node.json" -w '%{time_total}' -T "$work/big.bin" -H "$auth" \
    "$url/api/v1/folders/root/files/big.bin")
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/node.json")
down=$(curl -fs -o /dev/null -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
check=$(curl -fs -H "$auth" "$url/api/v1/files/$id/content" | sha256sum | cut -d' ' -f1)
[ "$check" = "$(sha256sum "$work/big.bin" | cut -d' ' -f1)" ] || { echo "download differs!"; exit 1; }

echo "== a folder of $FILES files"
folder=$(curl -fs "$url/api/v1/folders" -H "$auth" -H 'content-type: application/json' \
    -d '{"parent_id":"root","name":"many"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
seq 1 "$FILES" | xargs -P 4 -I{} curl -fs -o /dev/null -X PUT --data-binary 'x' -H "$auth" \
    "$url/api/v1/folders/$folder/files/file-{}.txt"
latencies=$(for _ in $(seq 1 21); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "$auth" "$url/api/v1/folders/$folder/children?limit=100"
done)
median_ms=$(echo "$latencies" | python3 -c 'import sys,statistics; print(f"{statistics.median(float(l) for l in sys.stdin) * 1000:.1f}")')

up_mbps=$(mbps "$bytes" "$up")
down_mbps=$(mbps "$bytes" "$down")
pct() { python3 -c "print(f'{100 * $1 / $2:.0f}%')"; }
cat <<REPORT

Strongroom transfer benchmark ($(nproc) cores, $(date -u +%F))
  file size                 ${SIZE_MB} MiB
  upload   (curl -T)        ${up_mbps} MB/s   ($(pct "$up_mbps" "$openssl_mbps") of openssl)
  download (curl)           ${down_mbps} MB/s   ($(pct "$down_mbps" "$openssl_mbps") of openssl)
  cp of the same file       ${cp_mbps} MB/s
  openssl aes-256-gcm 16K   ${openssl_mbps} MB/s  (single core)
  server RSS before          $((idle_kib / 1024)) MiB
  server peak RSS (VmHWM)   $((hwm_kib / 1024)) MiB during the transfers
  first page of $FILES files  ${median_ms} ms median of 21
REPORT
