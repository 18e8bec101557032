#!/usr/bin/python3
"""Where a process's memory is: /proc/PID/smaps summed per mapping kind, largest PSS first (MiB).
  smaps_breakdown.py PID [TOP]
Kinds: each file-backed mapping by file name; anonymous memory (GC heap, JIT'd code, runtime data, stacks) as
[anon]; .NET's W^X double mappings of executable memory as [memfd:doublemapper]."""
import collections
import os
import sys

pid, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 12
totals = collections.defaultdict(lambda: collections.Counter())
name = None
with open(f"/proc/{pid}/smaps") as smaps:
    for line in smaps:
        parts = line.split()
        if not parts:
            continue
        if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
            path = parts[5] if len(parts) >= 6 else "[anon]"
            name = "[memfd:doublemapper]" if "doublemapper" in line else (os.path.basename(path) if path.startswith("/") else path)
        elif parts[0] in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:", "Shared_Clean:", "Shared_Dirty:"):
            totals[name][parts[0].rstrip(":")] += int(parts[1])
rows = sorted(totals.items(), key=lambda item: -item[1]["Pss"])
print(f"{'mapping':40} {'RSS':>7} {'PSS':>7} {'private':>8}  (MiB)")
for mapping, c in rows[:top]:
    print(f"{mapping[:40]:40} {c['Rss'] / 1024:7.1f} {c['Pss'] / 1024:7.1f} {(c['Private_Clean'] + c['Private_Dirty']) / 1024:8.1f}")
rest = rows[top:]
print(f"{'(' + str(len(rest)) + ' more)':40} {sum(c['Rss'] for _, c in rest) / 1024:7.1f} {sum(c['Pss'] for _, c in rest) / 1024:7.1f} "
      f"{sum(c['Private_Clean'] + c['Private_Dirty'] for _, c in rest) / 1024:8.1f}")
print(f"{'total':40} {sum(c['Rss'] for c in totals.values()) / 1024:7.1f} {sum(c['Pss'] for c in totals.values()) / 1024:7.1f} "
      f"{sum(c['Private_Clean'] + c['Private_Dirty'] for c in totals.values()) / 1024:8.1f}")
