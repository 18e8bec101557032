#!/usr/bin/python3
"""The bench's chart: req/s per server and scenario (with the database-alone ceiling), p99 latency, and memory per
worker, the warm-up curves, and the targets' ratios from the interleaved rounds. Called by report.py; matplotlib from Debian's python3-matplotlib, no display needed."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

SCENARIOS = [("db_keepalive", "DB, keep-alive"), ("db_close", "DB, Connection: close"),
             ("plain_keepalive", "plain, keep-alive"), ("plain_close", "plain, Connection: close")]
SHORT = {"forkhost-2": "ForkHost\n2 workers", "forkhost-4": "ForkHost\n4 workers",
         "forkhost-4-reuseport": "ForkHost 4\nreuseport", "forkhost-4-dispatch": "ForkHost 4\ndispatch",
         "forkhost-aot-2": "ForkHost AOT\n2 workers", "forkhost-aot-4": "ForkHost AOT\n4 workers", "plain-kestrel": "plain\nKestrel",
         "gunicorn-4": "gunicorn\n4 sync", "uwsgi-4": "uWSGI\n4 proc."}


# The targets (interleaved medians): (label, figure, key, peer, limit, higher is better).
TARGETS = [("PSS ÷ uWSGI\n≤ 0.8", "memory", "pss_mib", "uwsgi-4", 0.8, False),
           ("start ÷ uWSGI\n≤ 0.8", "startup", "seconds", "uwsgi-4", 0.8, False),
           ("DB ka ÷ uWSGI\n≥ 4", "db_keepalive", "rps", "uwsgi-4", 4, True),
           ("DB ka ÷ Kestrel\n≥ 1.0", "db_keepalive", "rps", "plain-kestrel", 1.0, True),
           ("plain close\n÷ uWSGI ≥ 1.0", "plain_close", "rps", "uwsgi-4", 1.0, True),
           ("plain ka ÷\nKestrel ≥ 0.9", "plain_keepalive", "rps", "plain-kestrel", 0.9, True),
           ("DB p99 ÷ uWSGI\n≤ 1.0", "db_keepalive", "p99_ms", "uwsgi-4", 1.0, False)]


def draw(data, path, servers, interleaved_median=None):
    names = [name for name, _ in servers if "db_keepalive" in data.get(name, {})]
    fig, (throughput, latency, memory, warmup, targets) = plt.subplots(
        1, 5, figsize=(27, 5.6), gridspec_kw={"width_ratios": [2.6, 1.6, 1.4, 1.4, 1.8]})
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
    subjects = [spec for spec in ("forkhost-aot-4", "forkhost-4") if spec in data.get("interleaved", {})]
    if interleaved_median and subjects:
        # Each ratio over its limit, so 1.0 is the target line for every one of them: ≥ 1 meets a higher-is-better
        # target; for lower-is-better ones the bar is limit ÷ ratio, so ≥ 1 meets it too.
        width = 0.8 / len(subjects)
        for i, spec in enumerate(subjects):
            values = []
            for _, figure, key, peer, limit, higher in TARGETS:
                a, b = interleaved_median(data, spec, figure, key), interleaved_median(data, peer, figure, key)
                values.append(0 if not a or not b else (a / b / limit if higher else limit / (a / b)))
            xs = [n + (i - (len(subjects) - 1) / 2) * width for n in range(len(TARGETS))]
            targets.bar(xs, values, width, label={"forkhost-aot-4": "ForkHost AOT ×4", "forkhost-4": "ForkHost JIT ×4"}[spec])
        targets.axhline(1.0, color="black", linestyle="--", linewidth=1)
        targets.set_xticks(range(len(TARGETS)), [t[0] for t in TARGETS], fontsize=6.5, rotation=40, ha="right")
        targets.set_ylabel("how far the target is met (≥ 1 = met)")
        targets.set_title("Targets, interleaved medians")
        targets.legend(fontsize=8)
    else:
        targets.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
