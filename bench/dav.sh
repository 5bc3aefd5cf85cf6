#!/usr/bin/env bash
# WebDAV next to the REST API on one server, release build, same run: a 1 GiB
# file uploaded and downloaded
#  - through the API with curl (bearer token), as bench/transfer.sh does;
#  - through /dav/ with curl (-T and GET, HTTP Basic: email + app password);
#  - through /dav/ with rclone copyto, both ways (rclone downloads a file this
#    large in 4 ranged streams: --multi-thread-cutoff 250M);
# printing MB/s for each, the ratio WebDAV / API, and the server's peak RSS
# during each transfer: VmHWM is reset (5 > /proc/<pid>/clear_refs) before
# each one, so every figure is that transfer's own high-water mark (whole
# process RSS, not a delta over idle; the idle RSS is printed beside it).
#
#   bench/dav.sh               # SIZE_MB=1024
#   BACKEND=aws STRONGROOM_TEST_AWS_ENDPOINT=$(scripts/moto) bench/dav.sh
#                              # the same on S3 + DynamoDB (moto: for the
#                              # ratios, not absolute speeds)
#
# Needs curl, python3, sha256sum, rclone (apt-get install rclone) and about
# 3 GiB of free disk per GiB of SIZE_MB. Binds 127.0.0.1 only and stops the
# server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
RCLONE=${RCLONE:-rclone}
command -v "$RCLONE" >/dev/null || { echo "rclone is missing: apt-get install rclone" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$bytes / 1e6 / $1:.0f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "== building the release binary"
cargo build --release --locked --bin strongroom >/dev/null 2>&1

echo "== test file: ${SIZE_MB} MiB of random bytes"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
sum=$(sha256sum "$work/big.bin" | cut -d' ' -f1)

echo "== starting strongroom (${BACKEND:-embedded})"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
storage=()
if [ "${BACKEND:-embedded}" = aws ]; then
    unique="bench-dav-$RANDOM$RANDOM"
    storage=(STRONGROOM_STORAGE__BLOB=s3 STRONGROOM_STORAGE__META=dynamodb
        STRONGROOM_STORAGE__AUTO_CREATE=true STRONGROOM_STORAGE__AWS__REGION=us-east-1
        STRONGROOM_STORAGE__AWS__ENDPOINT_URL="$STRONGROOM_TEST_AWS_ENDPOINT"
        STRONGROOM_STORAGE__S3__BUCKET="$unique" STRONGROOM_STORAGE__S3__FORCE_PATH_STYLE=true
        STRONGROOM_STORAGE__DYNAMODB__TABLE="$unique"
        AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true)
fi
# (The endpoint's own variable would read as an unknown config key.)
env -u STRONGROOM_TEST_AWS_ENDPOINT STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" \
    STRONGROOM_LOG=warn "${storage[@]}" target/release/strongroom >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

email=bench@example.com
curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"benchmark passphrase\"}" >/dev/null
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"benchmark passphrase\"}" | json_field access_token)
auth="Authorization: Bearer $token"
app_password=$(curl -fs "$url/api/v1/me/app-passwords" -H "$auth" -H 'content-type: application/json' \
    -d '{"name":"bench","read_only":false}' | json_field password)
# The password goes to curl in a netrc file, not on its command line.
printf 'machine 127.0.0.1 login %s password %s\n' "$email" "$app_password" >"$work/netrc"
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_SR_TYPE=webdav RCLONE_CONFIG_SR_URL="$url/dav/" \
    RCLONE_CONFIG_SR_VENDOR=other RCLONE_CONFIG_SR_USER="$email" \
    RCLONE_CONFIG_SR_PASS="$("$RCLONE" obscure "$app_password")"
idle_kib=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")

# measure NAME COMMAND...: runs one transfer with VmHWM reset before it; sets
# secs_NAME and peak_NAME (MiB).
measure() {
    local name=$1; shift
    # Earlier writes still going to disk would slow this one down.
    sync
    echo 5 >"/proc/$server_pid/clear_refs"
    local t; t=$(now)
    "$@"
    local secs; secs=$(python3 -c "print($(now) - $t)")
    printf -v "secs_$name" '%s' "$secs"
    printf -v "peak_$name" '%s' "$(($(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status") / 1024))"
    echo "  $name: $(mbps "$secs") MB/s"
}
same() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sum" ] || { echo "$1 differs!" >&2; exit 1; }; rm -f "$1"; }
# Each stored copy goes (trash emptied) before the next upload, so the run
# needs about 3 GiB of disk, not 5.
empty_trash() { curl -fsS -X DELETE -H "$auth" "$url/api/v1/trash"; }

echo "== transfers of ${SIZE_MB} MiB"
measure api_up curl -fsS -o "$work/node.json" -T "$work/big.bin" -H "$auth" "$url/api/v1/folders/root/files/api.bin"
id=$(json_field id <"$work/node.json")
measure api_down curl -fsS -o "$work/api.out" -H "$auth" "$url/api/v1/files/$id/content"
same "$work/api.out"
curl -fsS -X DELETE -H "$auth" "$url/api/v1/nodes/$id" && empty_trash
measure dav_up curl -fsS -o /dev/null --netrc-file "$work/netrc" -T "$work/big.bin" "$url/dav/dav.bin"
measure dav_down curl -fsS -o "$work/dav.out" --netrc-file "$work/netrc" "$url/dav/dav.bin"
same "$work/dav.out"
curl -fsS -X DELETE --netrc-file "$work/netrc" "$url/dav/dav.bin" && empty_trash
measure rclone_up "$RCLONE" copyto "$work/big.bin" sr:rclone.bin
measure rclone_down "$RCLONE" copyto sr:rclone.bin "$work/rclone.out"
same "$work/rclone.out"

line() {
    local label=$1 name=$2 base=$3
    local speed; speed=$(mbps "${!name}")
    local vs=""
    [ -n "$base" ] && vs="  $(ratio "$speed" "$(mbps "${!base}")")x API"
    local peak="peak_${name#secs_}"
    printf '  %-28s %6s MB/s%-12s peak RSS %5s MiB\n' "$label" "$speed" "$vs" "${!peak}"
}
cat <<REPORT

Strongroom WebDAV vs API ($(nproc) cores, $(date -u +%F), ${BACKEND:-embedded}, ${SIZE_MB} MiB, release build)
$(line "API upload (curl -T)" secs_api_up "")
$(line "API download (curl)" secs_api_down "")
$(line "WebDAV upload (curl -T)" secs_dav_up secs_api_up)
$(line "WebDAV download (curl)" secs_dav_down secs_api_down)
$(line "WebDAV upload (rclone)" secs_rclone_up secs_api_up)
$(line "WebDAV download (rclone)" secs_rclone_down secs_api_down)
  server RSS when idle before the transfers: $((idle_kib / 1024)) MiB
  (peak RSS = VmHWM of the whole process, reset before each transfer)
REPORT
