#pragma once

#include <vector>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/domain/events.hpp"
#include "allocation/domain/product.hpp"

// Table pending_reallocations: a line taken off a batch is kept, in the transaction that took
// it off, until the unit of work that allocates it again settles it in its own (see
// service_layer::UnitOfWork::pending_reallocations).
namespace allocation::adapters::sql::pending_reallocations {

// Keeps each line the product's Deallocated events took off.
void store(const domain::Product& product, Connection& connection);
// Takes one off, once its line is allocated again.
void settle(const domain::events::Deallocated& settled, Connection& connection);
// Every one kept, oldest first.
std::vector<domain::events::Deallocated> list(Connection& connection);
// How many are kept now (GET /metrics): lines of a process that died before reallocating them,
// or being reallocated at this moment.
long long count(Database& database);

}  // namespace allocation::adapters::sql::pending_reallocations
