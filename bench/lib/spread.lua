-- Requests per worker: every response body carries the answering worker's pid ("pid":123 in /echo's JSON, or
-- "plain 123" from /plain); each wrk thread tallies them, done() merges the threads' tallies into one JSON line.
-- Parsing bodies in Lua costs wrk CPU, so this runs separately from the throughput runs.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  tally = {}
end

response = function(status, headers, body)
  local pid = body:match('"pid":(%d+)') or body:match('^plain (%d+)')
  if pid then
    tally[pid] = (tally[pid] or 0) + 1
  end
end

done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for pid, count in pairs(thread:get("tally")) do
      total[pid] = (total[pid] or 0) + count
    end
  end
  local parts = {}
  for pid, count in pairs(total) do
    table.insert(parts, string.format('"%s":%d', pid, count))
  end
  io.write('{"requests":' .. summary.requests .. ',"per_pid":{' .. table.concat(parts, ",") .. '}}\n')
end
