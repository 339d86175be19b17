#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "allocation/domain/events.hpp"

namespace allocation::adapters {

// An event as other systems receive it, by the table of service_layer/external_messages.hpp:
// its channel, and its payload as JSON (event_json.hpp) with a unique "message_id" (128 random
// bits, hex), so that consumers can drop duplicates of an at-least-once delivery.
struct OutgoingMessage {
  std::string_view channel;  // a literal of the table
  std::string message_id;
  std::string payload;
};

// nullopt for an event that stays inside the service.
std::optional<OutgoingMessage> outgoing_message(const domain::Event& event);

}  // namespace allocation::adapters
