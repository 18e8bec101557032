#!/usr/bin/python3
"""RSS and PSS of each given pid from /proc/PID/smaps_rollup, in MiB; prints one JSON line.
  memory.py ROLE=PID [ROLE=PID ...]     e.g. master=123 worker=124 worker=125
PSS (proportional set size) divides every shared page among the processes mapping it: the fair per-process cost
when workers share copy-on-write memory (fork) or the same mapped files (the .NET runtime's libraries)."""
import json
import sys

result = []
for argument in sys.argv[1:]:
    role, _, pid = argument.partition("=")
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    result.append({"role": role, "pid": int(pid), "rss_mib": round(fields["Rss"] / 1024, 1),
                   "pss_mib": round(fields["Pss"] / 1024, 1),
                   "private_mib": round((fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)) / 1024, 1)})
print(json.dumps(result))
