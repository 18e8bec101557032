#!/usr/bin/python3
"""Polls GET /plain until N distinct worker pids have answered; prints one JSON line.

Each round opens 8 fresh connections at once (Connection: close), so whichever workers are accepting get a chance to
answer, whatever the accept-wakeup order of the server. The time is measured from --t0-ns (the moment the caller
started the server, time.time_ns() clock) to the first response that completes the set.
  await_workers.py --port P --workers N --t0-ns NS [--exclude PID,PID] [--timeout S] [--https]
--exclude: pids that do not count (the old generation, when timing a reload).
"""
import argparse
import concurrent.futures
import http.client
import json
import ssl
import sys
import time


def ask(port, https=False):
    try:
        if https:
            # Any certificate: the bench's own throwaway one.
            connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=ssl._create_unverified_context())
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/plain", headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        if response.status == 200 and body.startswith("plain "):
            return int(body.split()[1]), time.time_ns()
    except (OSError, http.client.HTTPException, ValueError, IndexError):
        pass
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--t0-ns", type=int, required=True)
    parser.add_argument("--exclude", default="")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--https", action="store_true", help="the server speaks TLS (any certificate is accepted)")
    args = parser.parse_args()
    exclude = {int(p) for p in args.exclude.split(",") if p}
    seen = {}
    deadline = time.monotonic() + args.timeout
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        while time.monotonic() < deadline:
            for answer in pool.map(lambda _: ask(args.port, args.https), range(8)):
                if answer and answer[0] not in exclude and answer[0] not in seen:
                    seen[answer[0]] = answer[1]
            if len(seen) >= args.workers:
                done_ns = sorted(seen.values())[args.workers - 1]
                print(json.dumps({"seconds": round((done_ns - args.t0_ns) / 1e9, 3), "pids": sorted(seen)}))
                return 0
            time.sleep(0.005)
    print(json.dumps({"seconds": None, "pids": sorted(seen), "error": f"only {len(seen)} of {args.workers} workers answered"}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
