#!/usr/bin/env bash
# Share links on the embedded default, release build:
#  - a shared 1 GiB file downloaded anonymously, next to the owner's own
#    download of it in the same run;
#  - a shared folder of 1,000 files downloaded as a zip: throughput, and the
#    server's peak memory during the zip against its memory before.
#
#   bench/shares.sh            # SIZE_MB=1024 FILES=1000 FILE_KB=1024
#
# Needs curl and python3. Binds 127.0.0.1 only and stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
FILES=${FILES:-1000}
FILE_KB=${FILE_KB:-1024}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mbps() { python3 -c "print(f'{$1 / 1e6 / $2:.0f}')"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

echo "== building the release binary"
cargo build --release --locked --bin strongroom >/dev/null 2>&1

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
    -d '{"email":"bench@example.com","password":"benchmark passphrase"}' | json_field access_token)
auth="Authorization: Bearer $token"

echo "== a shared ${SIZE_MB} MiB file"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
id=$(curl -fs -T "$work/big.bin" -H "$auth" "$url/api/v1/folders/root/files/big.bin" | json_field id)
link=$(curl -fs -X POST -H "$auth" -H 'content-type: application/json' -d '{}' \
    "$url/api/v1/nodes/$id/shares" | json_field token)
own=$(curl -fs -o /dev/null -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")
anon=$(curl -fs -o /dev/null -w '%{time_total}' "$url/api/v1/public/shares/$link/content")
own2=$(curl -fs -o /dev/null -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")
anon2=$(curl -fs -o /dev/null -w '%{time_total}' "$url/api/v1/public/shares/$link/content")
check=$(curl -fs "$url/api/v1/public/shares/$link/content" | sha256sum | cut -d' ' -f1)
[ "$check" = "$(sha256sum "$work/big.bin" | cut -d' ' -f1)" ] || { echo "shared download differs!"; exit 1; }
rm -f "$work/big.bin"

echo "== a shared folder of $FILES files of $FILE_KB KiB"
folder=$(curl -fs "$url/api/v1/folders" -H "$auth" -H 'content-type: application/json' \
    -d '{"parent_id":"root","name":"many"}' | json_field id)
head -c "$((FILE_KB * 1024))" /dev/urandom >"$work/one.bin"
seq 1 "$FILES" | xargs -P 4 -I{} curl -fs -o /dev/null -T "$work/one.bin" -H "$auth" \
    "$url/api/v1/folders/$folder/files/file-{}.bin"
share_start=$(date +%s.%N)
folder_link=$(curl -fs -X POST -H "$auth" -H 'content-type: application/json' -d '{}' \
    "$url/api/v1/nodes/$folder/shares" | json_field token)
share_secs=$(python3 -c "print($(date +%s.%N) - $share_start)")
before_kib=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM; peak includes start-up)"
zip_secs=$(curl -fs -o "$work/all.zip" -w '%{time_total}' "$url/api/v1/public/shares/$folder_link/zip")
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
zip_bytes=$(stat -c %s "$work/all.zip")
entries=$(python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))" "$work/all.zip")

cat <<REPORT

| what | time | throughput |
|---|---|---|
| owner's download of ${SIZE_MB} MiB | ${own} s, ${own2} s | $(mbps "$bytes" "$own") MB/s, $(mbps "$bytes" "$own2") MB/s |
| anonymous download through the share | ${anon} s, ${anon2} s | $(mbps "$bytes" "$anon") MB/s, $(mbps "$bytes" "$anon2") MB/s |
| making the folder share ($FILES files: one entry each) | ${share_secs} s | |
| the folder as a zip ($entries entries, $zip_bytes bytes) | ${zip_secs} s | $(mbps "$zip_bytes" "$zip_secs") MB/s |

Server memory: ${before_kib} KiB resident before the zip, peak ${hwm_kib} KiB during it.
REPORT
