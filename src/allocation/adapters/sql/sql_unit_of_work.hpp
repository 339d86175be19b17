#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters::sql {

// A unit of work over one database transaction, begun at the first read (a unit of work that
// reads nothing takes no connection) and rolled back unless committed.
//
// Isolation: on SQLite, units of work take turns in one transaction (GroupCommit), so they
// never lose a race within the process, and a commit returns once its group is durable.
// PostgreSQL runs it at READ COMMITTED; the commit first moves the product's version from the
// one read to the next (UPDATE ... WHERE version_number = read), which fails, rolling all back,
// when another transaction committed a change to that product meanwhile: no lost update.
service_layer::UnitOfWorkFactory sql_unit_of_work(std::shared_ptr<Database> database);

}  // namespace allocation::adapters::sql
