#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/pending_reallocations.hpp"

namespace allocation::adapters::sql {

// The pending reallocations (table pending_reallocations), read in one statement on a pooled
// connection, outside any transaction that writes: on SQLite, a read of the last commit that
// takes no write lock.
class SqlPendingReallocations final : public service_layer::PendingReallocations {
 public:
  explicit SqlPendingReallocations(std::shared_ptr<Database> database)
      : database_(std::move(database)) {}

  std::vector<domain::events::Deallocated> list() override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
