-- wrk script: allocate-and-cancel pairs. Every other request is POST /allocate of a new order
-- of one line; the ones between cancel (POST /orders/<id>/cancel) the order allocated LAG
-- allocations before on this thread, long answered by then (each connection has one request in
-- flight), so that every cancel finds its order.
--
--   wrk -t2 -c16 -d20s --latency -s cancel.lua http://127.0.0.1:5005
--
-- Settings (environment variables, or wrk script args "key=value" after --):
--   SKUS     number of seeded SKUs, picked uniformly at random  (default 1000)
--   QTY_MAX  qty is uniform in 1..QTY_MAX                       (default 10)
--   LAG      allocations between an order's allocate and its cancel (default 256)
--   RUN_TAG  prefix of the order ids                (default: wrk start time)
-- Pairs per second are half the requests per second. At the end it prints the status-code
-- breakdown and one RESULT line.

local threads = {}
local next_id = 1
local main_tag = os.getenv("RUN_TAG") or ("c" .. os.time())

function setup(thread)
   thread:set("tid", next_id)
   thread:set("run_tag", main_tag)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function setting(args, key, default)
   for _, a in ipairs(args or {}) do
      local k, v = a:match("^([%w_]+)=(.*)$")
      if k and k:upper() == key then return v end
   end
   local v = os.getenv(key)
   if v ~= nil and v ~= "" then return v end
   return default
end

local prefix, skus, qty_max, lag, counter, cancelled, allocating
codes = {}
non2xx = 0
responses = 0

function init(args)
   skus = tonumber(setting(args, "SKUS", "1000"))
   qty_max = tonumber(setting(args, "QTY_MAX", "10"))
   lag = tonumber(setting(args, "LAG", "256"))
   prefix = string.format("%s-t%d-", run_tag, tid)
   counter = 0
   cancelled = 0
   allocating = true
   math.randomseed(os.time() * 1000 + tid)
   base = wrk.path:gsub("/+$", "")
end

function request()
   -- Allocate until LAG orders are out, then alternate: cancel the oldest, allocate a new one.
   if allocating or counter - cancelled < lag then
      allocating = false
      counter = counter + 1
      local sku = string.format("SKU-%06d", math.random(0, skus - 1))
      local body = string.format('{"orderid": "%s%d", "sku": "%s", "qty": %d}',
                                 prefix, counter, sku, math.random(1, qty_max))
      return wrk.format("POST", base .. "/allocate",
                        {["Content-Type"] = "application/json"}, body)
   end
   allocating = true
   cancelled = cancelled + 1
   return wrk.format("POST", string.format("%s/orders/%s%d/cancel", base, prefix, cancelled))
end

function response(status, headers, body)
   responses = responses + 1
   codes[status] = (codes[status] or 0) + 1
   if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
   local total, bad, all = 0, 0, {}
   for _, t in ipairs(threads) do
      total = total + (t:get("responses") or 0)
      bad = bad + (t:get("non2xx") or 0)
      for code, n in pairs(t:get("codes") or {}) do all[code] = (all[code] or 0) + n end
   end
   local list = {}
   for code, n in pairs(all) do table.insert(list, string.format("%s:%d", code, n)) end
   table.sort(list)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format("status codes: %s\n", table.concat(list, " ")))
   io.write(string.format("non-2xx: %d of %d responses (%.2f%%); socket errors connect=%d read=%d write=%d timeout=%d\n",
      bad, total, total > 0 and 100 * bad / total or 0, e.connect, e.read, e.write, e.timeout))
   io.write(string.format("RESULT rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f responses=%d non2xx=%d non2xx_pct=%.2f timeouts=%d\n",
      summary.requests / secs, (total - bad) / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      total, bad, total > 0 and 100 * bad / total or 0, e.timeout))
end
