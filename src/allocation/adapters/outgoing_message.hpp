#pragma once

#include <string>

#include "allocation/domain/events.hpp"

namespace allocation::adapters {

// An event as other systems receive it: its JSON (event_json.hpp) plus a unique "message_id"
// (128 random bits, hex), so that consumers can drop duplicates of an at-least-once delivery.
struct OutgoingMessage {
  std::string message_id;
  std::string payload;
};

OutgoingMessage outgoing_message(const domain::Event& event);

}  // namespace allocation::adapters
