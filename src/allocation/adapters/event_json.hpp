#pragma once

#include <string>

#include "allocation/domain/events.hpp"

namespace allocation::adapters {

// An event as the JSON payload other systems receive, with the id they tell messages apart by,
// e.g. for Allocated: {"orderid": str, "sku": str, "qty": int, "batchref": str,
// "message_id": str}.
std::string to_json(const domain::Event& event, const std::string& message_id);

}  // namespace allocation::adapters
