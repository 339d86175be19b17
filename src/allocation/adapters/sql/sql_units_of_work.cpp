#include "allocation/adapters/sql/sql_units_of_work.hpp"

#include "allocation/adapters/sql/postgresql/postgresql_unit_of_work.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_unit_of_work.hpp"

namespace allocation::adapters::sql {

std::shared_ptr<service_layer::UnitsOfWork> sql_units_of_work(
    std::shared_ptr<Database> database, std::shared_ptr<const service_layer::Clock> clock) {
  if (database->backend() == Backend::sqlite)
    return std::make_shared<SqliteUnitsOfWork>(std::move(database), std::move(clock));
  return std::make_shared<PostgresqlUnitsOfWork>(std::move(database), std::move(clock));
}

}  // namespace allocation::adapters::sql
