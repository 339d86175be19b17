#include "allocation/adapters/sql/outbox_writer.hpp"

#include "allocation/adapters/outgoing_message.hpp"

namespace allocation::adapters::sql {

void store_outgoing_messages(const domain::Product& product, Connection& connection) {
  for (const domain::Event& event : product.events()) {
    const auto message = outgoing_message(event);
    if (!message) continue;
    connection.execute("INSERT INTO outbox (message_id, channel, payload) VALUES (:m, :c, :p)",
                       message->message_id, std::string(message->channel), message->payload);
  }
}

}  // namespace allocation::adapters::sql
