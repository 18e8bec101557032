#!/usr/bin/python3
"""CPU used by processes that are not the bench's, over a window: is something else competing for the cores?
  foreign_cpu.py start FILE SID...     snapshot every process's CPU time, except those in the given sessions
  foreign_cpu.py stop FILE SID...      print {"cores_busy": ..., "top": [[pid, share, command], ...]}
"cores_busy" is the foreign CPU time divided by the wall time: 1.0 means one whole core was taken from the bench.
The sessions are the bench script's own (wrk, pollers, the database) and each server's (started with setsid)."""
import json
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def snapshot(ours):
    cpu = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
            fields = text[text.rindex(")") + 2:].split()
            if int(fields[3]) in ours:  # field 6 of stat: the session id
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:120]
            # utime + stime + cutime + cstime: children that exited count too (test runs start many processes).
            cpu[entry] = (sum(int(v) for v in fields[11:15]) / TICKS, command)
        except (OSError, ValueError, IndexError):
            continue
    return cpu


def main():
    action, path, ours = sys.argv[1], sys.argv[2], {int(s) for s in sys.argv[3:]} | {0}
    if action == "start":
        json.dump({"time": time.monotonic(), "cpu": snapshot(ours)}, open(path, "w"))
        return 0
    before = json.load(open(path))
    after = snapshot(ours)
    elapsed = time.monotonic() - before["time"]
    used = []
    for pid, (seconds, command) in after.items():
        start = before["cpu"].get(pid, (0, ""))[0]
        if seconds - start > 0:
            used.append((seconds - start, int(pid), command))
    used.sort(reverse=True)
    print(json.dumps({"seconds": round(elapsed, 1), "cores_busy": round(sum(u[0] for u in used) / elapsed, 2),
                      "top": [[pid, round(u / elapsed, 2), command] for u, pid, command in used[:5]]}))
    os.remove(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
