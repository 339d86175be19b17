#include "allocation/adapters/sql/product_repository.hpp"

#include <algorithm>

#include "allocation/domain/date.hpp"
#include "allocation/service_layer/errors.hpp"

namespace allocation::adapters::sql {

using domain::Batch;
using domain::OrderLine;
using domain::Product;

namespace {

bool contains(const std::vector<OrderLine>& lines, const OrderLine& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

std::optional<Product> SqlProductRepository::load(std::string_view sku, std::string_view orderid) {
  return load_product(std::string(sku), std::string(orderid), "");
}

std::optional<Product> SqlProductRepository::load_by_batchref(std::string_view reference) {
  const std::string ref(reference);
  std::vector<Row<std::string>> owner;
  read_([&](Connection& connection) {
    owner = connection.query<std::string>("SELECT sku FROM batches WHERE reference = :ref", ref);
  });
  if (owner.empty()) return std::nullopt;
  return load_product(*std::get<0>(owner.front()), "", ref);
}

std::optional<Product> SqlProductRepository::load_product(const std::string& sku,
                                                          const std::string& orderid,
                                                          const std::string& full_batch) {
  std::optional<int> version;
  bool out_of_stock = false;
  std::vector<Batch> batches;
  read_([&](Connection& connection) {
    // One round trip: the product, its batches in the order they were added, and the line of
    // this order if it has one.
    const auto rows = connection.query<int, int, std::string, int, std::string, int, int>(
        "SELECT p.version_number, p.out_of_stock, b.reference, b.purchased_quantity, b.eta,"
        " b.allocated_quantity, a.qty"
        " FROM products p"
        " LEFT JOIN batches b ON b.sku = p.sku"
        " LEFT JOIN allocations a"
        "  ON a.orderid = :orderid AND a.sku = p.sku AND a.batchref = b.reference"
        " WHERE p.sku = :sku ORDER BY b.id",
        orderid, sku);
    for (const auto& [version_number, ran_out, reference, purchased, eta, allocated, line_qty] :
         rows) {
      version = *version_number;
      out_of_stock = *ran_out != 0;
      if (!reference) continue;  // a product with no batch yet
      std::vector<OrderLine> lines;
      if (line_qty) lines.emplace_back(orderid, sku, *line_qty);
      std::optional<domain::Date> eta_date;
      if (eta) eta_date = domain::parse_date(*eta);
      batches.push_back(
          Batch::restore(*reference, sku, *purchased, eta_date, *allocated, std::move(lines)));
    }
    if (!version || full_batch.empty()) return;
    // Every line of the batch whose quantity changes, oldest first.
    std::vector<OrderLine> all;
    for (const auto& [line_orderid, qty] : connection.query<std::string, int>(
             "SELECT orderid, qty FROM allocations WHERE batchref = :ref ORDER BY id",
             full_batch)) {
      all.emplace_back(*line_orderid, sku, *qty);
    }
    for (Batch& batch : batches) {
      if (batch.reference() == full_batch) {
        batch = Batch::restore(batch.reference(), sku, batch.purchased_quantity(), batch.eta(),
                               batch.allocated_quantity(), std::move(all));
      }
    }
  });
  if (!version) return std::nullopt;
  Product product(
      sku, std::move(batches), *version,
      domain::ProductState{
          .policy = {}, .out_of_stock = out_of_stock, .backorders = {}, .released = {}});
  remember_loaded(product);
  return product;
}

void SqlProductRepository::remember_loaded(const Product& product) {
  LoadedBatches& loaded = loaded_[product.sku()];
  loaded.clear();
  for (const Batch& batch : product.batches()) {
    loaded[batch.reference()] = {batch.purchased_quantity(), batch.allocated_quantity(),
                                 batch.loaded_lines()};
  }
}

const SqlProductRepository::LoadedBatches& SqlProductRepository::loaded(
    const std::string& sku) const {
  static const LoadedBatches kNone;
  auto known = loaded_.find(sku);
  return known == loaded_.end() ? kNone : known->second;
}

void SqlProductRepository::save(const service_layer::TrackedProduct& tracked,
                                Connection& connection) const {
  const Product& product = tracked.product;
  const std::string& sku = product.sku();
  const int version = product.version_number();
  if (tracked.is_new()) {
    // A concurrent creator makes this a unique violation: a lost race.
    connection.execute(
        "INSERT INTO products (sku, version_number, out_of_stock) VALUES (:sku, :v, :o)", sku,
        version, product.out_of_stock() ? 1 : 0);
  } else {
    const long long written = connection.execute(
        "UPDATE products SET version_number = :v, out_of_stock = :o"
        " WHERE sku = :sku AND version_number = :old",
        version, product.out_of_stock() ? 1 : 0, sku, *tracked.loaded_version);
    if (written == 0) {
      throw service_layer::ConcurrencyError("product " + sku + " changed since it was read");
    }
  }
  const LoadedBatches& before = loaded(sku);
  const auto lines_before = [&](const std::string& reference) -> const std::vector<OrderLine>& {
    static const std::vector<OrderLine> kEmpty;
    auto it = before.find(reference);
    return it == before.end() ? kEmpty : it->second.lines;
  };

  // Lines taken off first, so that a line may move within one commit.
  for (const Batch& batch : product.batches()) {
    for (const OrderLine& line : lines_before(batch.reference())) {
      if (contains(batch.loaded_lines(), line)) continue;
      connection.execute("DELETE FROM allocations WHERE orderid = :o AND sku = :s", line.orderid(),
                         sku);
    }
  }
  for (const Batch& batch : product.batches()) {
    const std::string& reference = batch.reference();
    const int purchased = batch.purchased_quantity(), allocated = batch.allocated_quantity();
    auto was = before.find(reference);
    if (was == before.end()) {
      const std::optional<std::string> eta =
          batch.eta() ? std::optional(domain::format_date(*batch.eta())) : std::nullopt;
      connection.execute(
          "INSERT INTO batches (reference, sku, purchased_quantity, eta, allocated_quantity)"
          " VALUES (:r, :s, :p, :e, :a)",
          reference, sku, purchased, eta, allocated);
    } else if (was->second.purchased_quantity != purchased ||
               was->second.allocated_quantity != allocated) {
      connection.execute(
          "UPDATE batches SET purchased_quantity = :p, allocated_quantity = :a"
          " WHERE reference = :r",
          purchased, allocated, reference);
    }
    for (const OrderLine& line : batch.loaded_lines()) {
      if (contains(lines_before(reference), line)) continue;
      connection.execute(
          "INSERT INTO allocations (orderid, sku, qty, batchref) VALUES (:o, :s, :q, :b)",
          line.orderid(), sku, line.qty(), reference);
    }
  }
}

const Batch* SqlProductRepository::only_new_line(
    const service_layer::TrackedProduct& tracked) const {
  if (tracked.is_new() || !loaded_.contains(tracked.product.sku())) return nullptr;
  const LoadedBatches& before = loaded(tracked.product.sku());
  const Batch* changed = nullptr;
  for (const Batch& batch : tracked.product.batches()) {
    auto was = before.find(batch.reference());
    if (was == before.end() || was->second.purchased_quantity != batch.purchased_quantity())
      return nullptr;
    const std::vector<OrderLine>& lines = batch.loaded_lines();
    if (lines == was->second.lines) continue;
    // Changed: must be the lines it had, in order, and one more.
    if (changed || lines.size() != was->second.lines.size() + 1 ||
        !std::equal(was->second.lines.begin(), was->second.lines.end(), lines.begin())) {
      return nullptr;
    }
    changed = &batch;
  }
  return changed;
}

}  // namespace allocation::adapters::sql
