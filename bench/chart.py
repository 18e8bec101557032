#!/usr/bin/python3
"""The bench's chart: req/s per server and scenario (with the database-alone ceiling), p99 latency, and memory per
worker. Called by report.py; matplotlib from Debian's python3-matplotlib, no display needed."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

SCENARIOS = [("db_keepalive", "DB, keep-alive"), ("db_close", "DB, Connection: close"),
             ("plain_keepalive", "plain, keep-alive"), ("plain_close", "plain, Connection: close")]
SHORT = {"forkhost-2": "ForkHost\n2 workers", "forkhost-4": "ForkHost\n4 workers",
         "forkhost-4-reuseport": "ForkHost 4\nreuseport", "forkhost-4-dispatch": "ForkHost 4\ndispatch", "plain-kestrel": "plain\nKestrel",
         "gunicorn-4": "gunicorn\n4 sync", "uwsgi-4": "uWSGI\n4 proc."}


def draw(data, path, servers):
    names = [name for name, _ in servers if "db_keepalive" in data.get(name, {})]
    fig, (throughput, latency, memory, warmup) = plt.subplots(1, 4, figsize=(22, 5.2), gridspec_kw={"width_ratios": [2.2, 1.4, 1.2, 1.4]})
    width = 0.8 / len(SCENARIOS)
    for i, (key, label) in enumerate(SCENARIOS):
        xs = [n + (i - 1.5) * width for n in range(len(names))]
        throughput.bar(xs, [data[name][key]["rps"] for name in names], width, label=label)
    ceiling = data.get("db-ceiling", {}).get("db_keepalive", {}).get("rps")
    if ceiling:
        throughput.axhline(ceiling, color="black", linestyle="--", linewidth=1)
        throughput.text(len(names) - 0.5, ceiling, f"the database alone: {ceiling:,.0f}/s", ha="right", va="bottom", fontsize=8)
    throughput.set_xticks(range(len(names)), [SHORT[n] for n in names], fontsize=8)
    throughput.set_ylabel("requests/s (higher is better)")
    throughput.set_title("Throughput, wrk -c16")
    throughput.legend(fontsize=8)

    for i, (key, label) in enumerate(SCENARIOS[:2]):
        xs = [n + (i - 0.5) * 0.4 for n in range(len(names))]
        latency.bar(xs, [data[name][key]["p99_ms"] for name in names], 0.4, label=label)
    latency.set_xticks(range(len(names)), [SHORT[n] for n in names], fontsize=7)
    latency.set_ylabel("p99 latency, ms (lower is better)")
    latency.set_title("Database endpoint, p99")
    latency.legend(fontsize=8)

    def per_worker(name, field):
        values = [m[field] for m in data[name].get("memory", []) if m["role"] in ("worker", "single")]
        return sum(values) / len(values) if values else 0

    xs = range(len(names))
    memory.bar([x - 0.2 for x in xs], [per_worker(n, "rss_mib") for n in names], 0.4, label="RSS")
    memory.bar([x + 0.2 for x in xs], [per_worker(n, "pss_mib") for n in names], 0.4, label="PSS")
    memory.set_xticks(list(xs), [SHORT[n] for n in names], fontsize=7)
    memory.set_ylabel("MiB per worker after load (lower is better)")
    memory.set_title("Memory per worker")
    memory.legend(fontsize=8)
    for name in names:
        curve = data[name].get("warmup")
        if curve:
            warmup.plot(range(1, len(curve) + 1), curve, marker="o", markersize=3, label=SHORT[name].replace("\n", " "))
    warmup.set_xlabel("second of load, from cold")
    warmup.set_ylabel("requests/s, database endpoint, keep-alive")
    warmup.set_title("Warm-up")
    warmup.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
