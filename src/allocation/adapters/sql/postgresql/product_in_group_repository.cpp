#include "allocation/adapters/sql/postgresql/product_in_group_repository.hpp"

namespace allocation::adapters::sql {

std::optional<domain::Product> ProductInGroupRepository::load(std::string_view sku,
                                                              std::string_view orderid,
                                                              std::string_view hold_id) {
  // An order's line is assumed new, and so is a hold named without an order (Reserve's), and an
  // order's line with a hold this process made; other work on a hold reads it.
  if (!known_ || !*known_ || (*known_)->product.sku() != sku) {
    return SqlProductRepository::load(sku, orderid, hold_id);
  }
  const bool new_line = !orderid.empty() && hold_id.empty();
  const bool new_hold = orderid.empty() && !hold_id.empty();
  std::optional<domain::Hold> held;
  if (!orderid.empty() && !hold_id.empty() && holds_) {
    held = holds_->find(hold_id);
    if (held && held->sku() != sku) held.reset();
  }
  if (new_line || new_hold || held || ((*known_)->held && hold_id.empty())) {
    assumed_line_ = new_line;
    if (new_hold) {
      assumed_new_hold_ = std::string(hold_id);
      assume_hold_id_unused(hold_id);
    }
    assumed_held_line_ = held.has_value();
    const domain::Product& known = (*known_)->product;
    // The group does not know the stored backorder queue or the expired holds: work that reads
    // them (units freed, holds in the way) is not the one-line allocation the shortcut is for,
    // and runs again from the stored product.
    domain::Product product(
        known.sku(), known.batches(), known.version_number(),
        domain::ProductState{
            .policy = known.policy(),
            .out_of_stock = known.out_of_stock(),
            .backorders =
                domain::BackorderQueue([](std::int64_t, int) -> std::vector<domain::WaitingLine> {
                  throw AssumptionUnconfirmed();
                }),
            .holds =
                domain::Holds(held ? std::vector<domain::Hold>{*held} : std::vector<domain::Hold>{},
                              [](domain::Instant) -> std::vector<domain::Hold> {
                                throw AssumptionUnconfirmed();
                              }),
            .released = {},
            .priorities = known.warehouse_priorities()});
    remember_loaded(product, (*known_)->priorities_version);
    return product;
  }
  return SqlProductRepository::load(sku, orderid, hold_id);
}

void ProductInGroupRepository::before_reading(Connection& connection, const std::string& sku) {
  // Every change of a product first moves its version, on this row: a writer of another process
  // now waits for this transaction, then finds the version moved.
  if (locks_rows_) {
    connection.query<int>("SELECT version_number FROM products WHERE sku = :sku FOR UPDATE", sku);
  }
}

}  // namespace allocation::adapters::sql
