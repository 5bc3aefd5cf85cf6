#!/usr/bin/env python3
"""How many password guesses one account takes, and what a flood does to
everyone else. Against a running server (bench/login_flood.sh starts one):

  login_flood.py URL [--seconds S] [--workers W] [--addresses N]

1. Signs up a victim and a bystander.
2. For S seconds, W threads send wrong passwords for the victim; with
   --addresses N each request claims one of N client addresses in
   X-Forwarded-For (the server must trust 127.0.0.1 as a proxy for that to
   count). Reports answers by status and the guesses per minute that were
   actually checked (401), against those refused (429, 503).
3. Meanwhile the bystander logs in once a second; reports the median and
   worst time of those log-ins.
4. After the flood, and after any lock-out, the victim's right password.
"""

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid

PASSWORD = "the right password at last"


def post(url, body, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--addresses", type=int, default=1)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    victim = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    bystander = f"bystander-{uuid.uuid4().hex[:8]}@example.com"
    for email in (victim, bystander):
        status, _ = post(f"{base}/api/v1/auth/signup", {"email": email, "password": PASSWORD},
                         {"x-forwarded-for": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"})
        assert status == 201, f"sign-up answered {status}"

    statuses = {}
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds
    counter = [0]

    def flood():
        while time.monotonic() < stop:
            with lock:
                n = counter[0]
                counter[0] += 1
            address = f"10.{n % args.addresses // 65536 % 256}.{n % args.addresses // 256 % 256}.{n % args.addresses % 256}"
            headers = {"x-forwarded-for": address} if args.addresses > 1 else {}
            status, _ = post(f"{base}/api/v1/auth/login",
                             {"email": victim, "password": f"guess {n}"}, headers)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    latencies = []

    def bystander_logs_in():
        # Real users: each log-in from an address of its own (one address
        # logging in every second would meet its own per-address limit).
        n = 0
        while time.monotonic() < stop:
            n += 1
            started = time.monotonic()
            status, _ = post(f"{base}/api/v1/auth/login", {"email": bystander, "password": PASSWORD},
                             {"x-forwarded-for": f"192.0.2.{n % 250 + 1}"})
            latencies.append((time.monotonic() - started, status))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

    threads = [threading.Thread(target=flood) for _ in range(args.workers)]
    threads.append(threading.Thread(target=bystander_logs_in))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    checked = statuses.get(401, 0)
    print(f"flood: {args.workers} workers, {args.addresses} address(es), {elapsed:.1f} s")
    print(f"  answers by status: {dict(sorted(statuses.items()))}")
    print(f"  guesses checked (401): {checked} = {checked / elapsed * 60:.0f} per minute")
    times = [t for t, s in latencies if s == 200]
    if times:
        failed = sorted({s for _, s in latencies if s != 200})
        print(f"bystander log-ins: {len(times)} ok of {len(latencies)}, "
              f"median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
              + (f", others answered {failed}" if failed else ""))
    else:
        print(f"bystander log-ins: none succeeded ({[s for _, s in latencies]})")

    # The right password, once any lock-out has passed.
    for _ in range(120):
        status, headers = post(f"{base}/api/v1/auth/login", {"email": victim, "password": PASSWORD},
                               {"x-forwarded-for": "192.0.2.99"})
        if status != 429:
            break
        time.sleep(float(headers.get("Retry-After", headers.get("retry-after", "1"))))
    print(f"victim's right password afterwards: {status}")


if __name__ == "__main__":
    main()
