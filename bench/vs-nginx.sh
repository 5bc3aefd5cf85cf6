#!/usr/bin/env bash
# Strongroom next to nginx on the same machine, same curl, same file, same
# run: a 1 GiB file uploaded (nginx: WebDAV PUT, no fsync; Strongroom: the
# API's PUT, encrypted and fsynced) and downloaded (nginx: sendfile;
# Strongroom: decrypted as it streams). Each figure is the median of ROUNDS
# rounds; the two servers alternate within a round. Prints MB/s and the
# ratios Strongroom / nginx. Targets (issue 16): download >= 0.8x,
# upload >= 1.0x.
#
#   bench/vs-nginx.sh                # SIZE_MB=1024 ROUNDS=5
#   SERVER=path/to/strongroom bench/vs-nginx.sh
#
# Needs nginx with the DAV module (Debian: apt-get install nginx-light),
# curl, python3 and about 4 GiB of free disk per GiB of SIZE_MB. Both servers
# listen on 127.0.0.1 only and are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
ROUNDS=${ROUNDS:-5}
SERVER=${SERVER:-}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }
"$NGINX" -V 2>&1 | grep -q -- --with-http_dav_module ||
    { echo "$NGINX has no DAV module (PUT): install nginx-light" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-vs-nginx.XXXXXX")
chmod 755 "$work"
server_pid=
nginx_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
mbps() { python3 -c "print(f'{$bytes / 1e6 / $1:.0f}')"; }
ratio() { python3 -c "print(f'{$2 / $1:.2f}')"; }
fsync_time() {
    python3 -c 'import os,sys,time; fd=os.open(sys.argv[1], os.O_RDONLY); t=time.monotonic(); os.fsync(fd); print(f"{time.monotonic()-t:.6f}")' "$1"
}
plus() { python3 -c "print($1 + $2)"; }

if [ -z "$SERVER" ]; then
    echo "== building the release binary"
    cargo build --release --locked --bin strongroom >/dev/null 2>&1
    SERVER=target/release/strongroom
fi

echo "== test file: ${SIZE_MB} MiB of random bytes"
mkdir -p "$work/www" "$work/nginx-tmp"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
cp "$work/big.bin" "$work/www/big.bin"
sync

echo "== starting nginx ($("$NGINX" -v 2>&1 | sed 's/.*: //'))"
nginx_port=$(free_port)
user_line=
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$work/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx-tmp;
    proxy_temp_path $work/nginx-tmp;
    fastcgi_temp_path $work/nginx-tmp;
    uwsgi_temp_path $work/nginx-tmp;
    scgi_temp_path $work/nginx-tmp;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
        sendfile on;
        tcp_nopush on;
        location / {
            dav_methods PUT;
            client_max_body_size 0;
        }
    }
}
CONF
"$NGINX" -c "$work/nginx.conf" -e "$work/nginx-error.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port"

echo "== starting strongroom"
port=$(free_port)
STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/data" STRONGROOM_LOG=warn \
    STRONGROOM_TRASH_RETENTION_DAYS=0 \
    "$SERVER" >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
    curl -fs "$url/healthz" >/dev/null 2>&1 && curl -fs -o /dev/null "$nginx_url/big.bin" -r 0-0 && break
    sleep 0.1
done
credentials='{"email":"bench@example.com","password":"benchmark passphrase"}'
curl -fs "$url/api/v1/auth/signup" -H 'content-type: application/json' -d "$credentials" >/dev/null
token=$(curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' -d "$credentials" |
    json_field access_token)
auth="Authorization: Bearer $token"
# Warm the page cache for nginx's copy.
cat "$work/www/big.bin" >/dev/null

nginx_up=() nginx_down=() sr_up=() sr_down=()
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS"
    nginx_up+=("$(curl -fsS -o /dev/null -w '%{time_total}' -T "$work/big.bin" "$nginx_url/up-$round.bin")")
    rm -f "$work/www/up-$round.bin"
    nginx_down+=("$(curl -fsS -o /dev/null -w '%{time_total}' "$nginx_url/big.bin")")
    sr_up+=("$(curl -fsS -o "$work/node.json" -w '%{time_total}' -T "$work/big.bin" -H "$auth" \
        "$url/api/v1/folders/root/files/big-$round.bin")")
    id=$(json_field id <"$work/node.json")
    sr_down+=("$(curl -fsS -o /dev/null -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")")
    curl -fsS -o /dev/null -X DELETE -H "$auth" "$url/api/v1/nodes/$id"
done
# Then, apart so that its disk writes do not touch the figures above, what
# nginx's upload costs with the durability Strongroom's has: the same PUT
# and an fsync of the file (informational; the target is against the PUT
# alone, whose file is deleted before the kernel writes it to disk).
nginx_durable=() sr_again=()
for round in $(seq 1 "$ROUNDS"); do
    echo "== durable round $round of $ROUNDS"
    put=$(curl -fsS -o /dev/null -w '%{time_total}' -T "$work/big.bin" "$nginx_url/up-$round.bin")
    nginx_durable+=("$(plus "$put" "$(fsync_time "$work/www/up-$round.bin")")")
    rm -f "$work/www/up-$round.bin"
    sr_again+=("$(curl -fsS -o "$work/node.json" -w '%{time_total}' -T "$work/big.bin" -H "$auth" \
        "$url/api/v1/folders/root/files/again-$round.bin")")
    curl -fsS -o /dev/null -X DELETE -H "$auth" "$url/api/v1/nodes/$(json_field id <"$work/node.json")"
done
# One checked download: the figures above are of the right bytes.
curl -fsS -o "$work/node.json" -T "$work/big.bin" -H "$auth" "$url/api/v1/folders/root/files/check.bin"
id=$(json_field id <"$work/node.json")
[ "$(curl -fsS -H "$auth" "$url/api/v1/files/$id/content" | sha256sum | cut -d' ' -f1)" = \
    "$(sha256sum "$work/big.bin" | cut -d' ' -f1)" ] || { echo "download differs!" >&2; exit 1; }

nu=$(mbps "$(median "${nginx_up[@]}")")
ns=$(mbps "$(median "${nginx_durable[@]}")")
sa=$(mbps "$(median "${sr_again[@]}")")
nd=$(mbps "$(median "${nginx_down[@]}")")
su=$(mbps "$(median "${sr_up[@]}")")
sd=$(mbps "$(median "${sr_down[@]}")")
all() { for t in "$@"; do printf '%s ' "$(mbps "$t")"; done; }
cat <<REPORT

Strongroom vs nginx ($(nproc) cores, $(date -u +%F), ${SIZE_MB} MiB, median of $ROUNDS; MB/s)
                   nginx    Strongroom   ratio   (target)   all rounds: nginx | Strongroom
  upload   (PUT)   $nu       $su        $(ratio "$nu" "$su")x   (>= 1.0x)   $(all "${nginx_up[@]}")| $(all "${sr_up[@]}")
  download (GET)   $nd       $sd        $(ratio "$nd" "$sd")x   (>= 0.8x)   $(all "${nginx_down[@]}")| $(all "${sr_down[@]}")
  upload, durable  $ns       $sa        $(ratio "$ns" "$sa")x   (informational)   $(all "${nginx_durable[@]}")| $(all "${sr_again[@]}")
  nginx: WebDAV PUT without fsync, GET with sendfile; Strongroom: encrypted, fsynced uploads.
  "durable": nginx's PUT and then an fsync of its file, next to Strongroom's upload again (a pass of its own).
REPORT
