#pragma once

#include "allocation/domain/events.hpp"

namespace allocation::adapters::logging {

// Logs `event`, a change of stock, at info (SPEC §8): one line that says what changed and names
// the order, SKU, batch and hold involved, which the JSON lines also carry as members ("event",
// "orderid", "sku", "batchref", "qty", "reservation"). On the thread that handles the request or
// message, so the line carries its id too.
void log_stock_change(const domain::Event& event);

}  // namespace allocation::adapters::logging
