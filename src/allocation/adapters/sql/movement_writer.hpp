#pragma once

#include <string>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/product.hpp"

namespace allocation::adapters::sql {

// The ledger (SPEC §7.6): every change of stock is stored with the change, in the same
// transaction, so that the stock can always be recomputed from it. Writes the movements of
// each of the product's events (service_layer/stock_movements.hpp) to table movements, stamped
// `at` (the unit of work's time, RFC 3339 UTC).
void store_movements(const domain::Product& product, const std::string& at, Connection& connection);

}  // namespace allocation::adapters::sql
