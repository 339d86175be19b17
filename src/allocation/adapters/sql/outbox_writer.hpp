#pragma once

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/product.hpp"

namespace allocation::adapters::sql {

// The transactional outbox: what leaves the service is stored with the change that raised it,
// in the same transaction, so that it is published (OutboxRelay) if and only if the change is
// committed. Writes the message of each of the product's events that leaves the service
// (service_layer/external_messages.hpp) to table outbox.
void store_outgoing_messages(const domain::Product& product, Connection& connection);

}  // namespace allocation::adapters::sql
