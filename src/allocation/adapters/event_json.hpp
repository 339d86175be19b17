#pragma once

#include <string>

#include "allocation/domain/events.hpp"

namespace allocation::adapters {

// An event as the JSON payload other systems receive, e.g. for Allocated:
// {"orderid": str, "sku": str, "qty": int, "batchref": str}.
std::string to_json(const domain::Event& event);

}  // namespace allocation::adapters
