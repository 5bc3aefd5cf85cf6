#!/usr/bin/env bash
# The server's memory on the embedded default, release build:
#  - idle RSS a moment after start (nothing served yet);
#  - RSS after a sign-up and a log-in (Argon2 has run);
#  - peak RSS (VmHWM) during one 1 GiB upload + download, in ROUNDS rounds
#    in the same process (it should stay flat);
#  - peak during 32 parallel 32 MiB uploads, then 32 parallel downloads;
#  - peak during a 16-connection burst of small uploads into one folder.
# VmHWM is reset before each step (5 > /proc/<pid>/clear_refs, Linux >= 4.0),
# so each figure is that step's own high-water mark of the whole process; it
# starts from the RSS the step began with, which is printed after it ("from").
# Targets (issue 16): idle <= 24 MiB, one transfer <= 48 MiB and flat,
# 32 parallel <= 96 MiB, small-upload burst <= 96 MiB.
#
#   bench/memory.sh                 # SIZE_MB=1024 ROUNDS=3 PARALLEL=32 BURST_FILES=4000
#   SERVER=target/release/strongroom bench/memory.sh   # a binary built elsewhere
#
# Needs curl, python3, sha256sum and about 3 GiB of free disk per GiB of
# SIZE_MB. Binds 127.0.0.1 only and stops the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
ROUNDS=${ROUNDS:-3}
PARALLEL=${PARALLEL:-32}
PARALLEL_MB=${PARALLEL_MB:-32}
BURST=${BURST:-16}
BURST_FILES=${BURST_FILES:-4000}
SERVER=${SERVER:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-memory.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
status_mib() { awk -v k="$1:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status"; }
# Resets the peak and remembers the RSS the next step starts from.
reset_peak() {
    echo 5 >"/proc/$server_pid/clear_refs"
    from=$(status_mib VmRSS)
}

if [ -z "$SERVER" ]; then
    echo "== building the release binary"
    cargo build --release --locked --bin strongroom >/dev/null 2>&1
    SERVER=target/release/strongroom
fi

echo "== test files: ${SIZE_MB} MiB and ${PARALLEL_MB} MiB of random bytes"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
head -c "$((PARALLEL_MB * 1024 * 1024))" /dev/urandom >"$work/mid.bin"
big_sum=$(sha256sum "$work/big.bin" | cut -d' ' -f1)

echo "== starting strongroom"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" STRONGROOM_LOG=warn \
    STRONGROOM_TRASH_RETENTION_DAYS=0 \
    STRONGROOM_LIMITS__UPLOADS_PER_ACCOUNT=$((PARALLEL * 2)) \
    "$SERVER" >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
sleep 2
idle=$(status_mib VmRSS)
idle_hwm=$(status_mib VmHWM)
# The allocator's settings the server runs with (it adds its own defaults to
# its environment as it starts: api/src/allocator.rs).
allocator=$(tr '\0' '\n' <"/proc/$server_pid/environ" | grep '^MIMALLOC_' | tr '\n' ' ' || true)

credentials='{"email":"bench@example.com","password":"benchmark passphrase"}'
curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' -d "$credentials" >/dev/null
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' -d "$credentials" |
    json_field access_token)
auth="Authorization: Bearer $token"
sleep 1
after_login=$(status_mib VmRSS)

rounds=()
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round: ${SIZE_MB} MiB upload + download"
    reset_peak
    curl -fs -o "$work/node.json" -T "$work/big.bin" -H "$auth" \
        "$url/api/v1/folders/root/files/big-$round.bin"
    id=$(json_field id <"$work/node.json")
    got=$(curl -fs -H "$auth" "$url/api/v1/files/$id/content" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$big_sum" ] || { echo "download differs!"; exit 1; }
    rounds+=("$(status_mib VmHWM)")
    # Keep the disk use to one copy.
    curl -fs -o /dev/null -X DELETE -H "$auth" "$url/api/v1/nodes/$id" || true
done
after_rounds=$(status_mib VmRSS)

echo "== $PARALLEL parallel ${PARALLEL_MB} MiB uploads, then downloads"
reset_peak
seq 1 "$PARALLEL" | xargs -P "$PARALLEL" -I{} curl -fs -o "$work/par-{}.json" -T "$work/mid.bin" \
    -H "$auth" "$url/api/v1/folders/root/files/par-{}.bin"
par_up="$(status_mib VmHWM) MiB   (from $from)"
reset_peak
seq 1 "$PARALLEL" | while read -r i; do json_field id <"$work/par-$i.json"; done |
    xargs -P "$PARALLEL" -I{} curl -fs -o /dev/null -H "$auth" "$url/api/v1/files/{}/content"
par_down="$(status_mib VmHWM) MiB   (from $from)"

echo "== $BURST connections uploading $BURST_FILES small files into one folder"
folder=$(curl -fs "$url/api/v1/folders" -H "$auth" -H 'content-type: application/json' \
    -d '{"parent_id":"root","name":"many"}' | json_field id)
reset_peak
# One keep-alive connection per thread, as a sync client would use.
python3 - "$port" "$folder" "$token" "$BURST" "$BURST_FILES" <<'PY'
import http.client, sys, threading
port, folder, token, conns, files = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
failed = []
def run(worker):
    c = http.client.HTTPConnection("127.0.0.1", int(port))
    for i in range(worker, files, conns):
        c.request("PUT", f"/api/v1/folders/{folder}/files/file-{i}.txt", body=b"x",
                  headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse(); r.read()
        if r.status >= 300: failed.append(r.status)
threads = [threading.Thread(target=run, args=(w,)) for w in range(conns)]
[t.start() for t in threads]; [t.join() for t in threads]
if failed: sys.exit(f"{len(failed)} uploads failed, e.g. HTTP {failed[0]}")
PY
burst=$(status_mib VmHWM)
burst_from=$from
after_all=$(status_mib VmRSS)

cat <<REPORT

Strongroom memory ($(nproc) cores, $(date -u +%F), $SERVER)
  allocator environment             ${allocator:-(none)}
  idle RSS after start              $idle MiB   (peak during start $idle_hwm MiB)
  RSS after sign-up + log-in        $after_login MiB
  peak, ${SIZE_MB} MiB up + down, by round  ${rounds[*]} MiB   (RSS after: $after_rounds MiB)
  peak, $PARALLEL x ${PARALLEL_MB} MiB uploads        $par_up
  peak, $PARALLEL x ${PARALLEL_MB} MiB downloads      $par_down
  peak, burst of $BURST_FILES small uploads ($BURST conn.)  $burst MiB   (from $burst_from, RSS after: $after_all MiB)
REPORT
