#!/usr/bin/env bash
# Before/after for runtime knobs on ForkHost with 4 workers: the same measurements as bench/run.sh (its own throwaway
# MariaDB each time), once per environment setting, passed to the supervisor, which hands its environment to the
# workers. Prints one Markdown row per setting: start → all answering (s), warm-up req/s in load seconds 1 / 3 / last,
# DB keep-alive req/s and p99 (ms), plain keep-alive req/s and p99, worker RSS and PSS (MiB).
# Single runs on a noisy machine: read a difference as real only when it is large or repeats.
#   bench/knobs.sh ['VAR=value VAR=value' ...]      (default: the list below)
# Results: bench/results/knobs/<n>/. About 1 minute per setting.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
servers=${KNOB_SERVERS:-forkhost-4}
settings=("$@")
if ((${#settings[@]} == 0)); then
  settings=(
    ""                                        # the baseline
    "DOTNET_TieredPGO=0"                      # no instrumented tier: less JIT work while warming up
    "DOTNET_GCgen0size=400000"                # a 4 MiB gen0 budget instead of the cache-sized default
    "DOTNET_GCConserveMemory=5"               # compact more eagerly
    "DOTNET_GCHeapHardLimit=0x6000000"        # 96 MiB heap limit per process
    "DOTNET_EnableDiagnostics=0"              # no diagnostics IPC socket/thread
    "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1"  # finish socket I/O on the epoll thread, no thread-pool hop
    "DOTNET_TieredCompilation=0"              # everything fully optimised at first call: slower start, no tiering
  )
fi
rm -rf "$root/bench/results/knobs"
mkdir -p "$root/bench/results/knobs"
i=0
for setting in "${settings[@]}"; do
  out="$root/bench/results/knobs/$i"
  BENCH_ONLY="$servers" BENCH_NO_DOCS=1 BENCH_ROUNDS=0 BENCH_OUT="$out" BENCH_WORKER_ENV="$setting" \
    "$root/bench/run.sh" >/dev/null 2>"$out.log" || { echo "setting '$setting' failed: see $out.log" >&2; i=$((i + 1)); continue; }
  for server in $servers; do
    /usr/bin/python3 - "$out/$server" "${setting:-baseline}" "$server" <<'PY'
import json, sys
d, label, server = sys.argv[1:]
j = lambda f: json.load(open(f"{d}/{f}.json"))
import os
db, plain, start, mem = j("db_keepalive"), j("plain_keepalive"), j("startup"), j("memory")
ws = [m for m in mem if m["role"] in ("worker", "single")]
warm = [json.load(open(f"{d}/warmup/{f}"))["rps"] for f in sorted(os.listdir(f"{d}/warmup"))]
print(f"| {server} | `{label}` | {start['seconds']:.2f} | {warm[0]:,.0f} / {warm[2]:,.0f} / {warm[-1]:,.0f} | "
      f"{db['rps']:,.0f} | {db['p99_ms']:.2f} | {plain['rps']:,.0f} | {plain['p99_ms']:.2f} | "
      f"{sum(m['rss_mib'] for m in ws) / len(ws):.1f} | {sum(m['pss_mib'] for m in ws) / len(ws):.1f} |")
PY
  done
  i=$((i + 1))
done
