#!/usr/bin/env python3
"""GET /metrics of a live `allocation serve`, and of an `allocation worker --metrics-port`, read
by Prometheus's own parser (Debian's python3-prometheus-client): the text is valid exposition
format, and it has the series an operator asks for, with the values the work done implies.

Usage: metrics_format_test.py ALLOCATION_BINARY
The worker's part needs a Redis (ALLOCATION_TEST_REDIS, as `make test` sets); without one it is
skipped, and says so.
"""

import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from allocation_process import AllocationProcess

EVENT_KINDS = {
    "allocated", "deallocated", "out_of_stock", "backordered", "released", "back_in_stock",
    "low_stock", "batch_added", "batch_quantity_changed", "reserved", "reservation_extended",
    "reservation_expired", "reservation_released", "reservation_moved", "reservation_consumed",
}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


class Process(AllocationProcess):
    """`allocation ARGS...` (allocation_process.py), asked over HTTP."""

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self):
        check(self.terminate() == 0, "exit code 0 after SIGTERM")


def samples(text):
    """Every sample, as {(name, frozenset of labels): value}; raises on text the parser refuses."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())))


def check_process_metrics(found, who):
    check(value(found, "process_resident_memory_bytes") > 1e6, f"{who}: resident memory > 1 MB")
    check(value(found, "process_virtual_memory_bytes") >= value(found,
                                                                "process_resident_memory_bytes"),
          f"{who}: virtual memory >= resident")
    check(value(found, "process_open_fds") >= 3, f"{who}: at least stdin, stdout, stderr open")
    check(value(found, "process_max_fds") >= value(found, "process_open_fds"),
          f"{who}: max fds >= open fds")
    check(value(found, "process_cpu_seconds_total") >= 0, f"{who}: CPU seconds")
    started = value(found, "process_start_time_seconds")
    check(started is not None and abs(time.time() - started) < 120,
          f"{who}: started within the last two minutes (start time {started})")


def serve_part(binary, folder):
    database = "sqlite://" + os.path.join(folder, "serve.db")
    service = Process(binary, ["serve", "--host", "127.0.0.1", "--port", "0", "--db", database],
                      folder, r"serving on http://[^:]+:(\d+)")
    try:
        service.request("POST", "/add_batch", {"ref": "b1", "sku": "LAMP", "qty": 1})
        service.request("POST", "/allocate", {"orderid": "o1", "sku": "LAMP", "qty": 1})
        service.request("POST", "/allocate", {"orderid": "o2", "sku": "LAMP", "qty": 1})
        status, text = service.request("GET", "/metrics")
        check(status == 200, "serve: GET /metrics answers 200")
        found = samples(text)
        print(f"serve: {len(found)} samples parsed")
        for kind in EVENT_KINDS:
            check(value(found, "allocation_events_total", kind=kind) is not None,
                  f"serve: allocation_events_total{{kind={kind}}} exists")
        check(value(found, "allocation_events_total", kind="allocated") == 1, "serve: 1 allocated")
        check(value(found, "allocation_events_total", kind="batch_added") == 1,
              "serve: 1 batch added")
        check(value(found, "allocation_events_total", kind="out_of_stock") == 1,
              "serve: 1 out of stock")
        check(value(found, "allocation_notification_failures_total") == 0,
              "serve: no notification failed (they go to the log)")
        pool_in_use = value(found, "allocation_db_pool_connections", state="in_use")
        pool_idle = value(found, "allocation_db_pool_connections", state="idle")
        check(pool_in_use is not None and pool_idle is not None and pool_idle > 0,
              f"serve: pool connections in use {pool_in_use}, idle {pool_idle}")
        check(value(found, "allocation_db_pool_waits_total") == 0, "serve: no pool waits")
        check(value(found, "allocation_db_pool_timeouts_total") == 0, "serve: no pool timeouts")
        check(value(found, "allocation_pending_reallocations") == 0,
              "serve: no pending reallocations")
        build = [labels for (name, labels) in found if name == "allocation_build_info"]
        check(len(build) == 1 and dict(build[0]).get("version"), "serve: allocation_build_info")
        check(value(found, "allocation_http_requests_total", route="/allocate", status="202") == 2,
              "serve: 2 allocations answered 202")
        check_process_metrics(found, "serve")
    finally:
        service.stop()


def worker_part(binary, folder):
    redis = os.environ.get("ALLOCATION_TEST_REDIS")
    if not redis:
        print("skip the worker's metrics: ALLOCATION_TEST_REDIS is not set")
        return
    database = "sqlite://" + os.path.join(folder, "worker.db")
    broker = "redis-streams://" + redis[len("redis://"):]
    worker = Process(binary, ["worker", "--db", database, "--broker", broker,
                              "--consumer-name", "metrics-test", "--metrics-port", "0"],
                     folder, r"worker metrics on http://[^:]+:(\d+)/metrics")
    try:
        status, text = worker.request("GET", "/metrics")
        check(status == 200, "worker: GET /metrics answers 200")
        found = samples(text)
        print(f"worker: {len(found)} samples parsed")
        check(value(found, "allocation_broker_consumer_connected") is not None,
              "worker: broker series")
        check(value(found, "allocation_outbox_backlog") == 0, "worker: outbox backlog")
        check_process_metrics(found, "worker")
        status, text = worker.request("GET", "/health/ready")
        check(status == 200 and json.loads(text)["checks"] == {"database": "ok", "broker": "ok"},
              f"worker: ready ({status} {text})")
        status, text = worker.request("GET", "/health/live")
        check(status == 200, "worker: live")
        status, text = worker.request("GET", "/allocate")
        check(status == 404 and "only GET /metrics" in json.loads(text)["message"],
              f"worker: serves nothing else ({status} {text})")
    finally:
        worker.stop()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="allocation-metrics-") as folder:
        serve_part(binary, folder)
        worker_part(binary, folder)
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
