#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters::sql {

// A unit of work over one database transaction, begun at the first read (a unit of work that
// reads nothing takes no connection) and rolled back unless committed.
//
// Isolation: SQLite runs it as BEGIN IMMEDIATE, so writers take turns and never lose a race.
// PostgreSQL runs it at READ COMMITTED; the commit first moves the product's version from the
// one read to the next (UPDATE ... WHERE version_number = read), which fails, rolling all back,
// when another transaction committed a change to that product meanwhile: no lost update.
service_layer::UnitOfWorkFactory sql_unit_of_work(std::shared_ptr<Database> database);

}  // namespace allocation::adapters::sql
