-- wrk script: tally responses per worker pid (the Hello sample answers "… from worker N (pid P)").
-- Each wrk thread has its own Lua state; done() adds up the threads' tallies.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  local pid = string.match(body, "pid (%d+)")
  if pid then
    counts[pid] = (counts[pid] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for pid, n in pairs(thread:get("counts")) do
      total[pid] = (total[pid] or 0) + n
    end
  end
  local line = {}
  for pid, n in pairs(total) do
    table.insert(line, pid .. "=" .. n)
  end
  io.write("per-worker ", table.concat(line, " "), "\n")
end
