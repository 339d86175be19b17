#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters::sql {

// The units of work of `database`, chosen once by its kind: SQLite's over its group commit
// (sqlite/sqlite_unit_of_work.hpp), PostgreSQL's over its product group commit
// (postgresql/postgresql_unit_of_work.hpp). `clock` stamps the ledger's movements (the
// bootstrap's real clock; a test's RecordingClock).
std::shared_ptr<service_layer::UnitsOfWork> sql_units_of_work(
    std::shared_ptr<Database> database, std::shared_ptr<const service_layer::Clock> clock);

}  // namespace allocation::adapters::sql
