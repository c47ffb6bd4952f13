#!/usr/bin/env python3
"""Writes a synthetic Cloud Logging export of about SIZE bytes, shaped as
`gcloud logging read --format=json` prints it: one pretty-printed JSON array, newest first.

Usage: gen_export.py OUT SIZE_MB [SEED]

The entries mix Cloud Run, GKE and GCE resources over 40 services, text, JSON, request and audit
payloads, Python and Java stack traces, and variable parts (ids, numbers, IPs, durations), so
decoding and mining work as they would on a real export. Deterministic for a given seed.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

out_path, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
target = size_mb * 1024 * 1024
start = datetime(2026, 11, 1, tzinfo=timezone.utc)
services = [f"svc-{name}" for name in (
    "checkout payments ledger search gateway auth users orders cart pricing inventory shipping "
    "notify email sms push billing invoices refunds fraud risk kyc reports export import sync "
    "scheduler cron worker queue stream cache session profile media upload thumbs feed ranker"
).split()]
templates = [
    ("INFO", "order {n} priced in {ms}ms ({k} items)"),
    ("INFO", "user {u} logged in from {ip}"),
    ("DEBUG", "cache hit for key thread:{u}:messages (ttl={k}s)"),
    ("INFO", "settled payment pi_{hex} for order {n}"),
    ("WARNING", "slow query on orders took {ms}ms rows={k}"),
    ("WARNING", "retrying batch {uuid} (attempt {k}/5) after error: EAI_AGAIN"),
    ("ERROR", "Database connection attempt {k}/5 failed: connection refused to {ip}:5432"),
    ("ERROR", "upstream {svc} returned 503 after {ms}ms request_id={uuid}"),
    ("CRITICAL", "startup aborted: cache unavailable after {k} attempts"),
    ("INFO", "GET /api/threads/{uuid} 200 in {ms}ms"),
    ("NOTICE", "config reloaded from /etc/app/{k}.yaml"),
    ("ERROR", "message {uuid} moved to dead-letter stream after {k} deliveries"),
]
py_trace = ("Traceback (most recent call last):\n  File \"/app/{svc}/handlers.py\", line {k}, in handle\n"
            "    return await self.process(request)\n  File \"/app/{svc}/process.py\", line {n}, in process\n"
            "    raise KeyError(key)\nKeyError: 'user_{k}'")
java_trace = ("java.lang.IllegalStateException: Payout {n} already settled\n\tat com.shop.ledger.Payouts.settle(Payouts.java:{k})\n"
              "\tat com.shop.ledger.Worker.run(Worker.java:88)\n\tat java.base/java.lang.Thread.run(Thread.java:833)")


def fill(text, svc):
    return (text.replace("{n}", str(rng.randint(100000, 9999999)))
            .replace("{ms}", str(rng.randint(1, 5000)))
            .replace("{k}", str(rng.randint(1, 400)))
            .replace("{u}", f"u{rng.randint(1, 99999)}")
            .replace("{ip}", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
            .replace("{hex}", f"{rng.getrandbits(48):012x}")
            .replace("{uuid}", "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48)))
            .replace("{svc}", svc))


def entry(t):
    svc = rng.choice(services)
    kind = rng.random()
    e = {"insertId": f"{rng.getrandbits(64):016x}", "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
         "receiveTimestamp": (t + timedelta(milliseconds=300)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    which = hash(svc) % 3
    if which == 0:
        e["resource"] = {"type": "cloud_run_revision", "labels": {"service_name": svc, "revision_name": f"{svc}-0004{rng.randint(1, 3)}-abc", "location": "europe-west1", "project_id": "bench-proj", "configuration_name": svc}}
        e["logName"] = "projects/bench-proj/logs/run.googleapis.com%2Fstdout"
        e["labels"] = {"instanceId": f"00{rng.getrandbits(100):025x}"}
    elif which == 1:
        e["resource"] = {"type": "k8s_container", "labels": {"container_name": svc, "namespace_name": "prod", "pod_name": f"{svc}-7d{rng.randint(100, 999)}", "cluster_name": "gke-1", "project_id": "bench-proj", "location": "us-east1"}}
        e["logName"] = "projects/bench-proj/logs/stdout"
    else:
        e["resource"] = {"type": "gce_instance", "labels": {"instance_id": str(rng.getrandbits(60)), "zone": "us-central1-a", "project_id": "bench-proj"}}
        e["logName"] = f"projects/bench-proj/logs/{svc}"
    if kind < 0.04:
        e["severity"] = "ERROR"
        e["textPayload"] = fill(rng.choice([py_trace, java_trace]), svc)
    elif kind < 0.16:
        e["severity"] = rng.choice(["INFO", "INFO", "ERROR"])
        status = 200 if e["severity"] == "INFO" else 503
        e["httpRequest"] = {"requestMethod": "GET", "requestUrl": fill("https://x.run.app/api/threads/{uuid}?page={k}", svc),
                            "status": status, "latency": f"{rng.uniform(0, 3):.6f}s", "remoteIp": fill("{ip}", svc),
                            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"}
    elif kind < 0.17:
        e["severity"] = "NOTICE"
        e["protoPayload"] = {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", "methodName": "google.cloud.run.v1.Services.ReplaceService",
                             "authenticationInfo": {"principalEmail": "deployer@bench-proj.iam.gserviceaccount.com"}}
    else:
        severity, template = rng.choice(templates)
        e["severity"] = severity
        if rng.random() < 0.5:
            e["jsonPayload"] = {"message": fill(template, svc), "logger": f"{svc}.core", "context": {"request_id": fill("{uuid}", svc)}}
        else:
            e["textPayload"] = fill(template, svc)
    return e


with open(out_path, "w") as f:
    f.write("[\n")
    written = 2
    t = start + timedelta(hours=24)
    first = True
    count = 0
    while written < target:
        t -= timedelta(microseconds=rng.randint(1, 200000))
        text = json.dumps(entry(t), indent=2, sort_keys=True)
        text = "  " + text.replace("\n", "\n  ")
        if not first:
            f.write(",\n")
            written += 2
        f.write(text)
        written += len(text)
        first = False
        count += 1
    f.write("\n]\n")
print(f"{out_path}: {count} entries, {written} bytes", file=sys.stderr)
