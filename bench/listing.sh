#!/usr/bin/env bash
# Big folders on the embedded default, release build (issue 16): for each N
# in SIZES, one folder of N files of 1 byte (plus one named "needle"), then
#  - first page: the first 100 items, the first listing request just after
#    the folder was filled (nobody listed it; on the embedded store its
#    listing was kept warm in the background while it filled, so this merges
#    the last few hundred uploads; on DynamoDB it is read, decrypted and
#    sorted for that request) and again (kept);
#  - first page after one more file, with the listing kept from before (it
#    is brought up to date from what changed: 20 rounds, the median);
#  - walk: every page of 1,000 in turn, following the cursors;
#  - search: a name that matches one file of the N.
# Each timed over one keep-alive connection, as a client would; milliseconds.
#
#   bench/listing.sh                   # SIZES="1000 10000 100000"
#   BACKEND=aws STRONGROOM_TEST_AWS_ENDPOINT=$(scripts/moto) SIZES="1000 10000" bench/listing.sh
#                                      # the same on S3 + DynamoDB (moto: for the
#                                      # shape of the curve, not absolute times)
#   BIN=/path/to/strongroom bench/listing.sh   # another build (e.g. before a change)
#
# Files are uploaded over HTTP by 8 keep-alive connections (100,000 take a
# few minutes); by one on BACKEND=aws, because moto's server is not safe
# for concurrent requests (it fails them with "dictionary changed size
# during iteration" and can lose writes). Needs python3. Binds 127.0.0.1 only and stops the server it
# started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000 10000 100000}
BIN=${BIN:-target/release/strongroom}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-bench.XXXXXX")
pids=()
cleanup() {
    # `|| true`: under `set -e` a process ended by the signal (status 143)
    # would stop this loop before the next one is stopped.
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$BIN" = target/release/strongroom ]; then
    echo "== building the release binary"
    cargo build --release --locked --bin strongroom >/dev/null 2>&1
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
storage=()
if [ "${BACKEND:-embedded}" = aws ]; then
    unique="bench-listing-$RANDOM$RANDOM"
    storage=(STRONGROOM_STORAGE__BLOB=s3 STRONGROOM_STORAGE__META=dynamodb
        STRONGROOM_STORAGE__AUTO_CREATE=true STRONGROOM_STORAGE__AWS__REGION=us-east-1
        STRONGROOM_STORAGE__AWS__ENDPOINT_URL="$STRONGROOM_TEST_AWS_ENDPOINT"
        STRONGROOM_STORAGE__S3__BUCKET="$unique" STRONGROOM_STORAGE__S3__FORCE_PATH_STYLE=true
        STRONGROOM_STORAGE__DYNAMODB__TABLE="$unique"
        AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true)
fi
start_server() {
    # (The endpoint's own variable would read as an unknown config key.)
    env -u STRONGROOM_TEST_AWS_ENDPOINT STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" \
        STRONGROOM_LOG=warn STRONGROOM_ACCESS_TOKEN_TTL_SECS=86400 STRONGROOM_LIMITS__NODES_PER_ACCOUNT=10000000 \
        STRONGROOM_LIMITS__UPLOADS_PER_ACCOUNT=64 STRONGROOM_DEFAULT_QUOTA_BYTES=1000000000000 \
        "${storage[@]}" "$BIN" >>"$work/server.log" 2>&1 &
    pids+=($!)
}
restart_server() {
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    pids=()
    start_server
}
start_server

threads=8
[ "${BACKEND:-embedded}" = aws ] && threads=1
cat >"$work/bench.py" <<'EOF'
import http.client, json, sys, threading, time, urllib.parse

phase, state_file = sys.argv[1], sys.argv[2]
port, threads, sizes = int(sys.argv[3]), int(sys.argv[4]), [int(n) for n in sys.argv[5:]]

def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=600)

def call(c, method, path, body=None, headers=None, want=(200, 201)):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    if r.status not in want:
        sys.exit(f"{method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data) if data else None

for _ in range(300):
    try:
        call(conn(), "GET", "/healthz")
        break
    except (OSError, SystemExit):
        time.sleep(0.1)

def account(n):
    """A fresh account per size, so that search goes over its N names alone."""
    c = conn()
    login = json.dumps({"email": f"bench{n}@example.com", "password": "benchmark passphrase"})
    call(c, "POST", "/api/v1/auth/signup", login, {"content-type": "application/json"})
    token = call(c, "POST", "/api/v1/auth/login", login, {"content-type": "application/json"})["access_token"]
    return {"Authorization": f"Bearer {token}"}

def upload(folder, names):
    c = conn()
    for name in names:
        call(c, "PUT", f"/api/v1/folders/{folder}/files/{urllib.parse.quote(name)}", b"x", auth)

def timed(c, path):
    t = time.perf_counter()
    out = call(c, "GET", path, headers=auth)
    return out, (time.perf_counter() - t) * 1000

if phase != "fill":
    # The same folders after a restart of the server: nothing in memory; a
    # big folder's listing opens from its sealed snapshot (written after
    # its first read before the restart), a small one is read whole. Each
    # size has its own account, so one size's request warms nothing for
    # the next; first page and search each get their own restart.
    state = json.load(open(state_file))
    if phase == "list":
        print()
        print("After a restart (nothing in memory; the first request of each account):")
        print()
        print("| files in one folder | first page (100) | search, one hit |")
        print("|---|---|---|")
    for n in sizes:
        auth = state[str(n)]["auth"]
        folder = state[str(n)]["folder"]
        c = conn()
        if phase == "list":
            first, ms = timed(c, f"/api/v1/folders/{folder}/children?limit=100")
            assert len(first["items"]) == 100
            print(f"{n} {ms:.0f}", file=open(state_file + ".list", "a"))
        else:
            hits, ms = timed(c, f"/api/v1/search?q=needle-{n}.")
            assert len(hits["items"]) == 1, hits
            list_ms = dict(line.split() for line in open(state_file + ".list"))[str(n)]
            print(f"| {n:,} | {list_ms} ms | {ms:.0f} ms |", flush=True)
    sys.exit(0)

state = {}
print(f"| files in one folder | first page (100), first request | again | after one change (median of 20) | walk all pages of 1,000 | search, one hit | (made in) |")
print(f"|---|---|---|---|---|---|---|")
for n in sizes:
    auth = account(n)
    c = conn()
    folder = call(c, "POST", "/api/v1/folders", json.dumps({"parent_id": "root", "name": f"many-{n}"}),
                  {**auth, "content-type": "application/json"})["id"]
    t = time.perf_counter()
    names = [f"file-{i:06d}.txt" for i in range(n)]
    uploaders = [threading.Thread(target=upload, args=(folder, names[k::threads])) for k in range(threads)]
    for th in uploaders: th.start()
    for th in uploaders: th.join()
    upload(folder, [f"needle-{n}.bin"])  # the last change: the listing is not kept yet
    made = time.perf_counter() - t
    c = conn()
    first, first_ms = timed(c, f"/api/v1/folders/{folder}/children?limit=100")
    assert len(first["items"]) == 100
    _, again_ms = timed(c, f"/api/v1/folders/{folder}/children?limit=100")
    t = time.perf_counter()
    seen, cursor = 0, None
    while True:
        path = f"/api/v1/folders/{folder}/children?limit=1000"
        if cursor:
            path += f"&cursor={cursor}"
        page = call(c, "GET", path, headers=auth)
        seen += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    walk_ms = (time.perf_counter() - t) * 1000
    assert seen == n + 1, (seen, n)
    changed = []
    for i in range(20):
        call(c, "PUT", f"/api/v1/folders/{folder}/files/extra-{i}.txt", b"x", auth)
        changed.append(timed(c, f"/api/v1/folders/{folder}/children?limit=100")[1])
    changed_ms = sorted(changed)[len(changed) // 2]
    hits, search_ms = timed(c, f"/api/v1/search?q=needle-{n}.")
    assert len(hits["items"]) == 1, hits
    print(f"| {n:,} | {first_ms:.0f} ms | {again_ms:.0f} ms | {changed_ms:.0f} ms | {walk_ms:.0f} ms | {search_ms:.0f} ms | {made:.0f} s |", flush=True)
    state[n] = {"auth": auth, "folder": folder}
json.dump(state, open(state_file, "w"))
EOF
python3 "$work/bench.py" fill "$work/state.json" "$port" "$threads" $SIZES
# Stopped and started again on the same data (snapshots are written in the
# background after a big folder's first read: a moment for the last one).
sleep 2
restart_server
python3 "$work/bench.py" list "$work/state.json" "$port" "$threads" $SIZES
restart_server
python3 "$work/bench.py" search "$work/state.json" "$port" "$threads" $SIZES
