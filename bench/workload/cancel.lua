-- wrk script: allocate-and-cancel pairs. Every other request is POST /allocate of a new order
-- of one line; the ones between cancel (POST /orders/<id>/cancel) the order allocated LAG
-- allocations before on this thread, long answered by then (each connection has one request in
-- flight), so that every cancel finds its order.
--
--   wrk -t2 -c16 -d20s --latency -s cancel.lua http://127.0.0.1:5005
--
-- Settings (environment variables), besides allocate.lua's SKUS, QTY_MAX and RUN_TAG:
--   LAG      allocations between an order's allocate and its cancel (default 256)
-- Pairs per second are half the requests per second. allocate.lua's setup, response and done
-- count the answers and print the status-code breakdown and one RESULT line (wrk runs the
-- scripts from bench/workload).

dofile("allocate.lua")

local prefix, skus, qty_max, lag, counter, cancelled, allocating

function init(args)
   skus = tonumber(os.getenv("SKUS") or "1000")
   qty_max = tonumber(os.getenv("QTY_MAX") or "10")
   lag = tonumber(os.getenv("LAG") or "256")
   prefix = string.format("%s-t%d-", run_tag, tid)
   counter = 0
   cancelled = 0
   allocating = true
   math.randomseed(os.time() * 1000 + tid)
   base = wrk.path:gsub("/+$", "")
end

function request()
   -- health_first (allocate.lua): an allocation made in wrk's trial call would never happen,
   -- and its cancel would be a 404.
   local first = health_first()
   if first then return first end
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
