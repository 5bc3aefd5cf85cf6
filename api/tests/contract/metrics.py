"""Parses a Strongroom /metrics scrape with prometheus_client's own parser
(the reference Python implementation of the text format), after the traffic
scripts/check-metrics made. Usage: metrics.py SCRAPE_FILE UPLOADED_BYTES SECRET...

Fails on anything the parser rejects, and checks what the parsed families
say: their types, histogram invariants (cumulative buckets, +Inf equal to
the count), the traffic's own figures, and that none of SECRET (a file name,
an email, a token) appears anywhere in the scrape.
"""

import math
import sys

from prometheus_client.parser import text_string_to_metric_families

path, uploaded, secrets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
text = open(path, encoding="utf-8").read()
families = {f.name: f for f in text_string_to_metric_families(text)}
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def samples(family, suffix="", **labels):
    f = families.get(family)
    if f is None:
        return []
    return [
        s
        for s in f.samples
        if s.name == family + suffix and all(s.labels.get(k) == v for k, v in labels.items())
    ]


def total(family, suffix="", **labels):
    return sum(s.value for s in samples(family, suffix, **labels))


expected_types = {
    "strongroom_http_requests": "counter",
    "strongroom_http_request_duration_seconds": "histogram",
    "strongroom_uploaded_bytes": "counter",
    "strongroom_downloaded_bytes": "counter",
    "strongroom_uploads_in_flight": "gauge",
    "strongroom_store_operation_duration_seconds": "histogram",
    "strongroom_key_work_wait_seconds": "histogram",
    "strongroom_listing_cache_hits": "counter",
    "strongroom_listing_cache_misses": "counter",
}
for name, kind in expected_types.items():
    f = families.get(name)
    check(f is not None, f"no family {name}")
    if f is not None:
        check(f.type == kind, f"{name} is a {f.type}, not a {kind}")

# Every histogram: buckets cumulative, +Inf == _count, per label set.
for f in families.values():
    if f.type != "histogram":
        continue
    series = {}
    for s in f.samples:
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        series.setdefault(key, {"buckets": [], "count": None})
        if s.name.endswith("_bucket"):
            series[key]["buckets"].append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_count"):
            series[key]["count"] = s.value
    for key, h in series.items():
        buckets = sorted(h["buckets"])
        counts = [c for _, c in buckets]
        check(counts == sorted(counts), f"{f.name}{dict(key)}: buckets not cumulative")
        check(bool(buckets) and math.isinf(buckets[-1][0]), f"{f.name}{dict(key)}: no +Inf bucket")
        if buckets and h["count"] is not None:
            check(buckets[-1][1] == h["count"], f"{f.name}{dict(key)}: +Inf bucket != count")

# The traffic's own figures.
route = "/api/v1/folders/{id}/files/{name}"
check(total("strongroom_http_requests", "_total", method="PUT", route=route, status="201") >= 1,
      f"no PUT {route} 201 counted")
check(total("strongroom_http_requests", "_total", status="404") >= 1, "no 404 counted")
check(total("strongroom_http_request_duration_seconds", "_count", method="PUT", route=route) >= 1,
      "no PUT latency observed")
check(total("strongroom_uploaded_bytes", "_total") >= uploaded, "uploaded bytes too low")
check(total("strongroom_downloaded_bytes", "_total") >= uploaded, "downloaded bytes too low")
check(total("strongroom_uploads_in_flight") == 0, "an upload still counted in flight")
check(total("strongroom_store_operation_duration_seconds", "_count", backend="sqlite") >= 1,
      "no sqlite store operation")
check(total("strongroom_store_operation_duration_seconds", "_count", backend="fs", operation="put") >= 1,
      "no fs put")
check(total("strongroom_key_work_wait_seconds", "_count") >= 2, "no Argon2 work observed")

for secret in secrets:
    check(secret not in text, "a secret or a name appears in the scrape")

if problems:
    print("metrics check failed:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"{len(families)} metric families parsed by prometheus_client; all checks hold")
