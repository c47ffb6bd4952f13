#!/usr/bin/env python3
"""Writes examples/checkout-incident.json: a small Cloud Logging export in the shape
`gcloud logging read --format=json` prints (one JSON array, newest first).

The story: `checkout-api` on Cloud Run loses its Redis connection at 14:07 UTC (the memorystore
instance is failing over); every restart cycle the connection pool fails first, then the
readiness probe, then 503s at the edge, while `payments-worker` on GKE retries and
`ledger-sync` on a VM keeps logging its chronic warning. Deterministic: seeded.
"""
import json
import random
from datetime import datetime, timedelta, timezone

rng = random.Random(7)
project = "shop-prod-4411"
start = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
entries = []


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}" + "Z"


def run_entry(t, severity, payload, log="stdout", revision="checkout-api-00042-kux", instance=None):
    e = {
        "insertId": f"{rng.getrandbits(64):016x}",
        "logName": f"projects/{project}/logs/run.googleapis.com%2F{log}",
        "receiveTimestamp": ts(t + timedelta(milliseconds=rng.randint(50, 900))),
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "configuration_name": "checkout-api",
                "location": "europe-west1",
                "project_id": project,
                "revision_name": revision,
                "service_name": "checkout-api",
            },
        },
        "timestamp": ts(t),
        "labels": {"instanceId": instance or f"00f{rng.getrandbits(120):030x}"},
    }
    if severity:
        e["severity"] = severity
    e.update(payload)
    return e


def gke_entry(t, severity, message, level):
    return {
        "insertId": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16)),
        "jsonPayload": {"level": level, "msg": message, "caller": "worker/retry.go:88"},
        "logName": f"projects/{project}/logs/stdout",
        "receiveTimestamp": ts(t + timedelta(seconds=1)),
        "resource": {
            "type": "k8s_container",
            "labels": {
                "cluster_name": "prod-gke-eu",
                "container_name": "payments-worker",
                "namespace_name": "payments",
                "pod_name": f"payments-worker-7c9d{rng.randint(100, 999)}-x{rng.randint(10, 99)}",
                "project_id": project,
            },
        },
        "severity": severity,
        "timestamp": ts(t),
    }


# Routine traffic over the hour.
for i in range(160):
    t = start + timedelta(seconds=rng.randint(0, 3599), microseconds=rng.randint(0, 999999))
    path = rng.choice(["/api/cart", "/api/cart/items", "/health"])
    entries.append(run_entry(t, "INFO", {
        "httpRequest": {
            "requestMethod": "GET" if path != "/api/cart/items" else "POST",
            "requestUrl": f"https://checkout-api-81234.europe-west1.run.app{path}",
            "status": 200,
            "latency": f"{rng.uniform(0.005, 0.2):.6f}s",
            "remoteIp": f"35.191.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        }
    }, log="requests"))
for i in range(90):
    t = start + timedelta(seconds=rng.randint(0, 3599), microseconds=rng.randint(0, 999999))
    entries.append(run_entry(t, "INFO", {"jsonPayload": {
        "message": f"order {rng.randint(100000, 999999)} priced in {rng.randint(3, 90)}ms ({rng.randint(1, 9)} items)"}}))
for i in range(30):
    t = start + timedelta(seconds=rng.randint(0, 3599))
    entries.append(gke_entry(t, "INFO", f"settled payment pi_{rng.getrandbits(48):012x} for order {rng.randint(100000, 999999)}", "info"))
# Chronic noise on a VM, unrelated to the incident.
for i in range(12):
    t = start + timedelta(minutes=5 * i, seconds=rng.randint(0, 50))
    entries.append({
        "insertId": f"{rng.getrandbits(40):010x}",
        "jsonPayload": {"message": f"clock skew of {rng.randint(120, 900)}ms against ntp pool, correcting slowly"},
        "logName": f"projects/{project}/logs/ledger-sync",
        "receiveTimestamp": ts(t + timedelta(seconds=1)),
        "resource": {"type": "gce_instance", "labels": {"instance_id": "4457275623915475726", "project_id": project, "zone": "europe-west1-b"}},
        "severity": "WARNING",
        "timestamp": ts(t),
    })

# The incident: restart cycles from 14:07, every ~6 minutes.
traceback = (
    "Traceback (most recent call last):\n"
    "  File \"/app/checkout/cache.py\", line 41, in connect\n"
    "    await self.pool.initialize()\n"
    "  File \"/usr/local/lib/python3.12/site-packages/redis/asyncio/connection.py\", line 274, in connect\n"
    "    raise ConnectionError(self._error_message(e))\n"
    "redis.exceptions.ConnectionError: Error 111 connecting to 10.12.0.3:6379. Connection refused."
)
for cycle in range(9):
    t0 = start + timedelta(minutes=7 + 6 * cycle, seconds=rng.randint(0, 20))
    instance = f"00a{rng.getrandbits(120):030x}"
    rev = "checkout-api-00043-zeb"
    for attempt in range(1, 4):
        t = t0 + timedelta(seconds=attempt * 2, microseconds=rng.randint(0, 999999))
        entries.append(run_entry(t, "ERROR", {"jsonPayload": {
            "message": f"redis pool init attempt {attempt}/3 failed: Error 111 connecting to 10.12.0.3:6379. Connection refused.",
            "logger": "checkout.cache"}}, revision=rev, instance=instance))
    t = t0 + timedelta(seconds=7)
    entries.append(run_entry(t, "ERROR", {"textPayload": traceback}, log="stderr", revision=rev, instance=instance))
    entries.append(run_entry(t + timedelta(seconds=1), "CRITICAL", {"jsonPayload": {
        "message": "startup aborted: cache unavailable after 3 attempts (REDIS_URL=redis://:s3cr3t-pass@10.12.0.3:6379/0)"}},
        revision=rev, instance=instance))
    entries.append(run_entry(t + timedelta(seconds=2), "ERROR", {"textPayload": "Container called exit(1)."}, log="stderr", revision=rev, instance=instance))
    entries.append(run_entry(t + timedelta(seconds=3), "WARNING", {"textPayload": "Readiness probe failed: HTTP probe failed with statuscode: 503"}, log="varlog%2Fsystem", revision=rev, instance=instance))
    for k in range(rng.randint(2, 5)):
        tt = t + timedelta(seconds=4 + k, microseconds=rng.randint(0, 999999))
        entries.append(run_entry(tt, "ERROR", {
            "httpRequest": {"requestMethod": "POST", "requestUrl": "https://checkout-api-81234.europe-west1.run.app/api/checkout", "status": 503,
                            "latency": f"{rng.uniform(1, 6):.6f}s", "remoteIp": f"81.2.{rng.randint(0, 255)}.{rng.randint(1, 254)}"},
            "textPayload": "The request failed because either the HTTP response was malformed or connection to the instance had an error.",
        }, log="requests", revision=rev, instance=instance))
    for k in range(2):
        tt = t + timedelta(seconds=10 + 3 * k)
        entries.append(gke_entry(tt, "WARNING", f"checkout-api returned 503 for order {rng.randint(100000, 999999)}, retry {k + 1}/5 in {2 ** (k + 1)}s", "warn"))
# A deploy in the audit log.
t = start + timedelta(minutes=6, seconds=12)
entries.append({
    "insertId": "-x1deploy9",
    "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity",
    "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                      "authenticationInfo": {"principalEmail": "deployer@shop-prod-4411.iam.gserviceaccount.com"},
                      "methodName": "google.cloud.run.v1.Services.ReplaceService",
                      "serviceName": "run.googleapis.com"},
    "receiveTimestamp": ts(t),
    "resource": {"type": "cloud_run_revision", "labels": {"service_name": "checkout-api", "location": "europe-west1", "project_id": project, "configuration_name": "", "revision_name": ""}},
    "severity": "NOTICE",
    "timestamp": ts(t),
})

entries.sort(key=lambda e: e["timestamp"], reverse=True)
with open("examples/checkout-incident.json", "w") as f:
    json.dump(entries, f, indent=2, sort_keys=True)
    f.write("\n")
print(len(entries), "entries")
