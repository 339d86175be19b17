#pragma once

#include <optional>
#include <string_view>

#include "allocation/adapters/sql/product_repository.hpp"
#include "allocation/adapters/sql/sqlite/stored_products.hpp"

namespace allocation::adapters::sql {

// The products of a SQLite unit of work: loaded with the batches the writer knows
// (StoredProducts) when the product's version read is the one known, and read whole otherwise.
class SqliteProductRepository final : public SqlProductRepository {
 public:
  SqliteProductRepository(OnConnection read, StoredProducts& stored)
      : SqlProductRepository(std::move(read)), stored_(stored) {}

  // Once the unit of work's writes are staged: each product it saved is known as saved, or
  // forgotten when what it knows could be wrong (a new product or batch: see load_product on the
  // priorities of a batch's warehouse).
  void remember_saved();

 private:
  std::optional<domain::Product> load(std::string_view sku, std::string_view orderid,
                                      std::string_view hold_id) override;

  StoredProducts& stored_;
};

}  // namespace allocation::adapters::sql
