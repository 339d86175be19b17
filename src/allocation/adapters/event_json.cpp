#include "allocation/adapters/event_json.hpp"

#include <nlohmann/json.hpp>

namespace allocation::adapters {

std::string to_json(const std::vector<service_layer::PayloadField>& payload,
                    const std::string& message_id) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& field : payload) {
    std::visit([&](const auto& value) { json[std::string(field.name)] = value; }, field.value);
  }
  json["message_id"] = message_id;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace allocation::adapters
