"""Scrapes a /metrics endpoint every second, as Prometheus would, until stopped (SIGTERM); then prints one JSON line:
how many scrapes, how many failed, the mean size and the mean time of one.

    python3 bench/lib/scrape.py http://127.0.0.1:PORT/metrics
One long-lived process, so that the scraper's own start-up does not count against the server on a 2-core machine."""
import json
import signal
import sys
import time
import urllib.request

url = sys.argv[1]
stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
scrapes = failures = total_bytes = 0
total_seconds = 0.0
while not stopping:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            total_bytes += len(response.read())
        scrapes += 1
        total_seconds += time.monotonic() - started
    except OSError:
        failures += 1
    time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
print(json.dumps({
    "scrapes": scrapes,
    "failures": failures,
    "mean_bytes": round(total_bytes / scrapes) if scrapes else 0,
    "mean_ms": round(1000 * total_seconds / scrapes, 2) if scrapes else 0,
}))
