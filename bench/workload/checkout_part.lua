-- wrk script: one part of holds.lua's checkouts at a time, for bench/checkout_parts.sh.
--   PART=hold  POST /reservations only, ids <RUN_TAG>-h<thread>-<n>;
--   PART=use   POST /allocate naming those holds in the same order (each thread draws the same
--              SKUs and quantities again from the same seed), the allocations of a checkout.
-- A "use" run must be shorter than the "hold" run of its RUN_TAG, so that every hold it names
-- exists. Settings besides allocate.lua's RUN_TAG: PART, SKUS (default 1000), QTY_MAX (10).

dofile("allocate.lua")

local prefix, skus, qty_max, n, part

function init(args)
   part = os.getenv("PART") or "hold"
   skus = tonumber(os.getenv("SKUS") or "1000")
   qty_max = tonumber(os.getenv("QTY_MAX") or "10")
   prefix = string.format("%s-h%d-", run_tag, tid)
   n = 0
   math.randomseed(1000 + tid)
   base = wrk.path:gsub("/+$", "")
end

function request()
   -- health_first (allocate.lua): the draws below are then the same in both parts.
   local first = health_first()
   if first then return first end
   n = n + 1
   local sku = string.format("SKU-%06d", math.random(0, skus - 1))
   local qty = math.random(1, qty_max)
   local json = {["Content-Type"] = "application/json"}
   if part == "hold" then
      return wrk.format("POST", base .. "/reservations", json, string.format(
         '{"id": "%s%d", "sku": "%s", "qty": %d, "ttl_s": 3600}', prefix, n, sku, qty))
   end
   return wrk.format("POST", base .. "/allocate", json, string.format(
      '{"orderid": "%s%d", "sku": "%s", "qty": %d, "reservation": "%s%d"}',
      prefix, n, sku, qty, prefix, n))
end
