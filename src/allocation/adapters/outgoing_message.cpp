#include "allocation/adapters/outgoing_message.hpp"

#include <random>

#include "allocation/adapters/event_json.hpp"
#include "allocation/service_layer/external_messages.hpp"

namespace allocation::adapters {

namespace {

std::string new_message_id() {
  thread_local std::mt19937_64 random(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int part = 0; part < 2; ++part) {
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

}  // namespace

std::optional<OutgoingMessage> outgoing_message(const domain::Event& event) {
  auto external = service_layer::external_message(event);
  if (!external) return std::nullopt;
  OutgoingMessage message{external->channel, new_message_id(), {}};
  message.payload = to_json(external->payload, message.message_id);
  return message;
}

}  // namespace allocation::adapters
