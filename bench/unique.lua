-- wrk script: POST a JSON body that is unique per request, count statuses.
--
--   wrk -t2 -c64 -d10s -s bench/unique.lua -H 'Content-Type: application/json' URL -- SALT TEMPLATE
--
-- TEMPLATE is the body with tokens replaced on every request:
--   {ID}  -> "<SALT>t<thread>n<counter>"             (e.g. u{ID}@bench.pk)
--   {D7} {D8} {D9} -> 7/8/9 digits: (SALT + seq) mod 10^k, seq = counter*threads + thread-1,
--   unique across all threads until a run sends 10^k requests.
-- done() prints one line "BENCH_JSON {...}" that bench/run.py parses.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local salt, nthreads, counter = 0, 1, 0
-- Each connection's first request waits HOLD_MS, untimed (wrk starts a request's clock after its
-- delay): the event loop (libuv >= 1.45, under uvloop) accepts one pending connection per iteration,
-- so under load the last of 64 connections waited ~85 ms (the floor) to ~220 ms (stock mockserver) for
-- its accept, and wrk's coordinated-omission correction multiplied those waits into 1-2% of a 3 s
-- run's samples: the p99 was the start-up's, not the server's.  Idle, the server accepts them all
-- in a few ms.
local HOLD_MS, hold, held = 50, 0, 0
local parts, kinds = {}, {}
statuses = {}
sample_status, sample_body = nil, nil

function init(args)
   salt = tonumber(args[1])
   local template = args[2]
   nthreads = tonumber(args[3]) or 1
   hold = math.floor((tonumber(args[4]) or 0) / nthreads)  -- this thread's connections (wrk splits them evenly)
   -- split the template once: literal text and tokens alternate in parts/kinds
   local pos = 1
   while true do
      local s, e, tok = string.find(template, "{(%u%d?%u?)}", pos)
      if not s then break end
      table.insert(parts, string.sub(template, pos, s - 1)); table.insert(kinds, false)
      table.insert(parts, tok); table.insert(kinds, true)
      pos = e + 1
   end
   table.insert(parts, string.sub(template, pos)); table.insert(kinds, false)
   wrk.method = "POST"
end


function delay()
   if held < hold then
      held = held + 1
      return HOLD_MS
   end
   return 0
end

local pow10 = { D7 = 1e7, D8 = 1e8, D9 = 1e9 }
local width = { D7 = "%07d", D8 = "%08d", D9 = "%09d" }

function request()
   local seq = counter * nthreads + (tid - 1)
   counter = counter + 1
   local out = {}
   for i = 1, #parts do
      local p = parts[i]
      if not kinds[i] then
         out[i] = p
      elseif p == "ID" then
         out[i] = salt .. "t" .. tid .. "n" .. counter
      else
         out[i] = string.format(width[p], (salt + seq) % pow10[p])
      end
   end
   return wrk.format(nil, nil, nil, table.concat(out))
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if (status < 200 or status > 299) and sample_status == nil then
      sample_status = status
      sample_body = string.sub(body or "", 1, 400)
   end
end

local function jstr(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

function done(summary, latency, requests)
   local counts, non2xx, sstatus, sbody = {}, 0, nil, nil
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + n
         if status < 200 or status > 299 then non2xx = non2xx + n end
      end
      if sstatus == nil and thread:get("sample_status") then
         sstatus, sbody = thread:get("sample_status"), thread:get("sample_body")
      end
   end
   local sc = {}
   for status, n in pairs(counts) do table.insert(sc, '"' .. status .. '":' .. n) end
   local e = summary.errors
   io.write("BENCH_JSON {",
      '"requests":', summary.requests, ',"duration_us":', summary.duration,
      ',"p50_us":', latency:percentile(50), ',"p99_us":', latency:percentile(99),
      ',"max_us":', latency.max, ',"non2xx":', non2xx,
      ',"statuses":{', table.concat(sc, ","), "}",
      ',"socket_errors":{"connect":', e.connect, ',"read":', e.read, ',"write":', e.write,
      ',"timeout":', e.timeout, "}",
      ',"sample_status":', sstatus or "null", ',"sample_body":', sbody and jstr(sbody) or "null",
      "}\n")
end
