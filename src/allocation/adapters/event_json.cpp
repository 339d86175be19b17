#include "allocation/adapters/event_json.hpp"

#include <nlohmann/json.hpp>

namespace allocation::adapters {

namespace events = domain::events;

std::string to_json(const domain::Event& event, const std::string& message_id) {
  nlohmann::json json = std::visit(
      [](const auto& e) -> nlohmann::json {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, events::Allocated>) {
          return {{"orderid", e.orderid}, {"sku", e.sku}, {"qty", e.qty}, {"batchref", e.batchref}};
        } else if constexpr (std::is_same_v<E, events::Deallocated>) {
          return {{"orderid", e.orderid}, {"sku", e.sku}, {"qty", e.qty}};
        } else {
          return {{"sku", e.sku}};
        }
      },
      event);
  json["message_id"] = message_id;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace allocation::adapters
