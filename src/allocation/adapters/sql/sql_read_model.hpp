#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/read_model.hpp"

namespace allocation::adapters::sql {

// The read model as view allocations_view of the service's database: the write model's
// allocations, read without loading any product, so never behind the write model. A query is
// one statement on a pooled connection.
class SqlReadModel final : public service_layer::ReadModel {
 public:
  explicit SqlReadModel(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::vector<service_layer::AllocationRow> allocations(std::string_view orderid) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
