#include "allocation/adapters/sql/sql_stock_states.hpp"

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/stored_date.hpp"

namespace allocation::adapters::sql {
namespace {

// A product's row and one of its batches (none: NULLs), as every statement here reads them.
const std::string kColumns =
    "SELECT p.sku, p.version_number, p.backorders, p.low_stock_threshold,"
    " (SELECT CAST(COALESCE(SUM(w.qty), 0) AS BIGINT) FROM allocations w"
    "  WHERE w.sku = p.sku AND w.state = 1),"
    " b.reference, b.eta, b.purchased_quantity, b.allocated_quantity, b.reserved_quantity,"
    " b.warehouse, b.expires";

using StockRow = Row<std::string, int, int, int, long long, std::string, std::string, int, int, int,
                     std::string, std::string>;

template <class... In>
std::vector<StockRow> read(Connection& connection, const std::string& sql, const In&... in) {
  return connection.query<std::string, int, int, int, long long, std::string, std::string, int, int,
                          int, std::string, std::string>(sql, in...);
}

service_layer::BatchStock batch_of(const std::string& sku, const StockRow& row) {
  const auto& [_, v, o, t, w, reference, eta, purchased, allocated, reserved, warehouse, expires] =
      row;
  return {.reference = *reference,
          .sku = sku,
          .eta = date_from_store(eta),
          .warehouse = *warehouse,
          .expires = date_from_store(expires),
          .purchased = *purchased,
          .allocated = *allocated,
          .reserved = *reserved,
          .available = *purchased - *allocated - *reserved};
}

// Rows in SKU order, each product's batches in the order added, folded into products.
std::vector<service_layer::ProductStock> fold(const std::vector<StockRow>& rows,
                                              domain::Date today) {
  std::vector<service_layer::ProductStock> products;
  for (const StockRow& row : rows) {
    const auto& [sku, version, backorders, threshold, backordered, reference, e, p, a, r, w, x] =
        row;
    if (products.empty() || products.back().sku != *sku) {
      service_layer::ProductStock& product = products.emplace_back();
      product.sku = *sku;
      product.version = *version;
      product.backorders = *backorders != 0;
      product.low_stock_threshold = threshold;
      product.backordered = *backordered;
    }
    if (reference) products.back().add(batch_of(*sku, row), today);
  }
  return products;
}

}  // namespace

std::optional<service_layer::ProductStock> SqlStockStates::product(std::string_view sku,
                                                                   domain::Date today) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::ProductStock> found;
  database_->run_first(lease, [&] {
    found = fold(read(connection,
                      kColumns + " FROM products p LEFT JOIN batches b ON b.sku = p.sku"
                                 " WHERE p.sku = :sku ORDER BY b.id",
                      std::string(sku)),
                 today);
  });
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

service_layer::ProductPage SqlStockStates::products(std::string_view after, int limit,
                                                    domain::Date today) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  // One more than asked: whether another page follows.
  const long long asked = static_cast<long long>(limit) + 1;
  service_layer::ProductPage page;
  database_->run_first(lease, [&] {
    page.products = fold(
        read(connection,
             kColumns +
                 " FROM (SELECT sku FROM products WHERE sku > :after ORDER BY sku LIMIT :n) page"
                 " JOIN products p ON p.sku = page.sku LEFT JOIN batches b ON b.sku = p.sku"
                 " ORDER BY p.sku, b.id",
             std::string(after), asked),
        today);
  });
  if (page.products.size() > static_cast<std::size_t>(limit)) {
    page.products.pop_back();
    if (!page.products.empty()) page.next = page.products.back().sku;
  }
  return page;
}

std::optional<service_layer::BatchStock> SqlStockStates::batch(std::string_view reference) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::optional<service_layer::BatchStock> found;
  database_->run_first(lease, [&] {
    found.reset();
    const auto rows =
        read(connection,
             kColumns + " FROM batches b JOIN products p ON p.sku = b.sku WHERE b.reference = :ref",
             std::string(reference));
    if (!rows.empty()) found = batch_of(*std::get<0>(rows.front()), rows.front());
  });
  return found;
}

}  // namespace allocation::adapters::sql
