#pragma once

#include <string>
#include <vector>

#include "allocation/service_layer/external_messages.hpp"

namespace allocation::adapters {

// A payload as the JSON object other systems receive, with the id they tell messages apart by:
// compact, keys in alphabetical order, invalid UTF-8 replaced. For Allocated:
// {"batchref": str, "message_id": str, "orderid": str, "qty": int, "sku": str}.
std::string to_json(const std::vector<service_layer::PayloadField>& payload,
                    const std::string& message_id);

}  // namespace allocation::adapters
