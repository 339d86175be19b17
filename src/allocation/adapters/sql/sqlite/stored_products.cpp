#include "allocation/adapters/sql/sqlite/stored_products.hpp"

namespace allocation::adapters::sql {

void StoredProducts::remember(const domain::Product& product) {
  Known known{.version = product.version_number(),
              .batches = {},
              .priorities = product.warehouse_priorities().configured()};
  known.batches.reserve(product.batches().size());
  for (const domain::Batch& batch : product.batches()) {
    known.batches.push_back(domain::Batch::restore(
        batch.reference(), batch.sku(), batch.purchased_quantity(), batch.eta(),
        batch.allocated_quantity(), {}, batch.reserved_quantity(), batch.storage()));
  }
  const std::size_t batches = known.batches.size();
  known_.remember(product.sku(), std::move(known), batches);
}

void StoredProducts::check_other_writers(Connection& connection) {
  const long long now = *std::get<0>(connection.query<long long>("PRAGMA data_version").front());
  if (now != data_version_) forget_all();
  data_version_ = now;
}

}  // namespace allocation::adapters::sql
