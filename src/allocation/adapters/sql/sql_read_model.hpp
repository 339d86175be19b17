#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/read_model.hpp"

namespace allocation::adapters::sql {

// The read model as table allocations_view in the service's database; each call is one
// statement on a connection of its own (no transaction around it: each is atomic alone).
class SqlReadModel final : public service_layer::ReadModel {
 public:
  explicit SqlReadModel(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  void add(std::string_view orderid, std::string_view sku, std::string_view batchref) override;
  void remove(std::string_view orderid, std::string_view sku) override;
  std::vector<service_layer::AllocationRow> allocations(std::string_view orderid) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
