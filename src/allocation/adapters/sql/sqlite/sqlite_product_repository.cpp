#include "allocation/adapters/sql/sqlite/sqlite_product_repository.hpp"

#include <algorithm>

namespace allocation::adapters::sql {

std::optional<domain::Product> SqliteProductRepository::load(std::string_view sku,
                                                             std::string_view orderid,
                                                             std::string_view hold_id) {
  const std::string product_sku(sku);
  if (stored_.find(sku)) {
    ProductRead read;
    reader()([&](Connection& connection) {
      read =
          read_product(connection, product_sku, std::string(orderid), std::string(hold_id), false);
    });
    // Looked up again: the read may have begun a group, which forgets everything when another
    // connection wrote meanwhile.
    const StoredProducts::Known* known = stored_.find(sku);
    if (known && read.version == known->version) {
      read.batches = known->batches;
      read.priorities = known->priorities;
      return assemble(product_sku, std::move(read));
    }
    stored_.forget(sku);  // changed since: what the group wrote and then rolled back
  }
  std::optional<domain::Product> product = SqlProductRepository::load(sku, orderid, hold_id);
  if (product) stored_.remember(*product);
  return product;
}

void SqliteProductRepository::remember_saved() {
  for (const auto& [sku, tracked] : seen()) {
    if (!tracked.changed()) continue;
    const StoredProducts::Known* known = stored_.find(sku);
    const std::vector<domain::Batch>& batches = tracked.product.batches();
    const bool same_batches =
        known && !tracked.is_new() && known->version == *tracked.loaded_version &&
        std::equal(batches.begin(), batches.end(), known->batches.begin(), known->batches.end(),
                   [](const domain::Batch& a, const domain::Batch& b) {
                     return a.reference() == b.reference();
                   });
    if (same_batches) {
      stored_.remember(tracked.product);
    } else {
      stored_.forget(sku);
    }
  }
}

}  // namespace allocation::adapters::sql
