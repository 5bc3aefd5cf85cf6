#!/usr/bin/env bash
# Throughput of a 1 GiB upload and download (curl, HTTP/1.1) over plain HTTP,
# over TLS served by Strongroom itself, and through nginx terminating TLS in
# front of a plain server: three servers of the release build, one run.
#
#   bench/tls.sh            # 1 GiB file (set SIZE_MB to change)
#
# Needs curl, openssl (the certificate), nginx (/usr/sbin/nginx) and python3.
# Binds 127.0.0.1 only and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
NGINX=${NGINX:-/usr/sbin/nginx}
work=$(mktemp -d "${TMPDIR:-/tmp}/strongroom-tls-bench.XXXXXX")
pids=()
cleanup() {
    # `|| true`: under `set -e` a process ended by the signal (status 143)
    # would stop this loop before the next one is stopped.
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mbps() { python3 -c "print(f'{$1 / 1e6 / $2:.0f}')"; }

echo "== building the release binary"
cargo build --release --locked --bin strongroom >/dev/null 2>&1

echo "== test file: ${SIZE_MB} MiB of random bytes; a self-signed certificate for 127.0.0.1"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")
sum=$(sha256sum "$work/big.bin" | cut -d' ' -f1)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# start NAME PORT [ENV...]: a server with a data folder of its own.
start() {
    local name=$1 port=$2
    shift 2
    env STRONGROOM_BIND="127.0.0.1:$port" STRONGROOM_DATA_DIR="$work/$name" STRONGROOM_LOG=warn \
        STRONGROOM_MAX_UPLOAD_BYTES=$((4 * 1024 * 1024 * 1024)) "$@" \
        target/release/strongroom >"$work/$name.log" 2>&1 &
    pids+=($!)
}

plain_port=$(free_port); tls_port=$(free_port); upstream_port=$(free_port); nginx_port=$(free_port)
start plain "$plain_port"
start tls "$tls_port" STRONGROOM_TLS__CERT_FILE="$work/cert.pem" STRONGROOM_TLS__KEY_FILE="$work/key.pem"
start upstream "$upstream_port" STRONGROOM_TRUSTED_PROXIES='["127.0.0.1/32"]'

mkdir -p "$work/nginx"
temp_paths=""
for kind in client_body proxy fastcgi uwsgi scgi; do
    flag="--http-${kind//_/-}-temp-path"
    "$NGINX" -V 2>&1 | grep -q -- "$flag" && temp_paths+="    ${kind}_temp_path $work/nginx/$kind;"$'\n'
done
# The README's recipe (api/tests/api/proxy.rs runs the same).
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
$temp_paths    server {
        listen 127.0.0.1:$nginx_port ssl http2;
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        location / {
            proxy_pass http://127.0.0.1:$upstream_port;
            proxy_http_version 1.1;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

CURL=(curl -fsS --http1.1 --cacert "$work/cert.pem")

# measure LABEL URL: sign up, upload, download (checked); prints MB/s.
measure() {
    local label=$1 url=$2
    for _ in $(seq 1 100); do "${CURL[@]}" -o /dev/null "$url/healthz" 2>/dev/null && break; sleep 0.1; done
    "${CURL[@]}" -o /dev/null "$url/api/v1/auth/signup" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","password":"benchmark passphrase"}'
    local token
    token=$("${CURL[@]}" "$url/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"email":"bench@example.com","password":"benchmark passphrase"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    local auth="Authorization: Bearer $token"
    local up down id check
    up=$("${CURL[@]}" -o "$work/node.json" -w '%{time_total}' -T "$work/big.bin" -H "$auth" \
        "$url/api/v1/folders/root/files/big.bin")
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/node.json")
    down=$("${CURL[@]}" -o "$work/down.bin" -w '%{time_total}' -H "$auth" "$url/api/v1/files/$id/content")
    check=$(sha256sum "$work/down.bin" | cut -d' ' -f1)
    rm -f "$work/down.bin"
    [ "$check" = "$sum" ] || { echo "$label: download differs!"; exit 1; }
    printf '%-28s upload %5s MB/s   download %5s MB/s\n' "$label" "$(mbps "$bytes" "$up")" "$(mbps "$bytes" "$down")"
}

echo "== ${SIZE_MB} MiB up and down (curl, HTTP/1.1; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
measure "plain HTTP" "http://127.0.0.1:$plain_port"
measure "TLS (Strongroom, rustls)" "https://127.0.0.1:$tls_port"
measure "TLS (nginx -> plain)" "https://127.0.0.1:$nginx_port"
