-- wrk script: checkouts with holds (SPEC §7.3). Every other request holds a line's units (POST
-- /reservations with an id of this run); the ones between allocate the order whose hold was
-- made LAG holds before on this thread, naming that hold (POST /allocate with "reservation"),
-- long answered by then (each connection has one request in flight), so that every allocation
-- finds its hold.
--
--   wrk -t2 -c16 -d20s --latency -s holds.lua http://127.0.0.1:5005
--
-- Settings (environment variables), besides allocate.lua's SKUS, QTY_MAX and RUN_TAG:
--   LAG      holds between an order's hold and its allocation (default 256)
--   TTL      each hold's ttl_s (default 900)
-- Checkouts per second are half the requests per second. allocate.lua's setup, response and
-- done count the answers and print the status-code breakdown and one RESULT line (wrk runs the
-- scripts from bench/workload).

dofile("allocate.lua")

local prefix, skus, qty_max, lag, ttl, held, allocated, holding, skus_of, qtys_of

function init(args)
   skus = tonumber(os.getenv("SKUS") or "1000")
   qty_max = tonumber(os.getenv("QTY_MAX") or "10")
   lag = tonumber(os.getenv("LAG") or "256")
   ttl = tonumber(os.getenv("TTL") or "900")
   prefix = string.format("%s-h%d-", run_tag, tid)
   held = 0
   allocated = 0
   holding = true
   skus_of = {}
   qtys_of = {}
   math.randomseed(os.time() * 1000 + tid)
   base = wrk.path:gsub("/+$", "")
end

function request()
   -- health_first (allocate.lua): a hold made in wrk's trial call would never exist.
   local first = health_first()
   if first then return first end
   -- Hold until LAG holds are out, then alternate: allocate the oldest, hold a new one.
   if holding or held - allocated < lag then
      holding = false
      held = held + 1
      local sku = string.format("SKU-%06d", math.random(0, skus - 1))
      local qty = math.random(1, qty_max)
      skus_of[held] = sku
      qtys_of[held] = qty
      local body = string.format('{"id": "%s%d", "sku": "%s", "qty": %d, "ttl_s": %d}',
                                 prefix, held, sku, qty, ttl)
      return wrk.format("POST", base .. "/reservations",
                        {["Content-Type"] = "application/json"}, body)
   end
   holding = true
   allocated = allocated + 1
   local n = allocated
   local body = string.format(
      '{"orderid": "%s%d", "sku": "%s", "qty": %d, "reservation": "%s%d"}',
      prefix, n, skus_of[n], qtys_of[n], prefix, n)
   skus_of[n] = nil
   qtys_of[n] = nil
   return wrk.format("POST", base .. "/allocate", {["Content-Type"] = "application/json"}, body)
end
