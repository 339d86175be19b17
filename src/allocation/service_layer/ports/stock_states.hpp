#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/date.hpp"

// Port: the stock states of products and batches (SPEC §6), read without loading the domain
// model (the query side). Safe to use from many threads; each answer is one consistent
// snapshot.
namespace allocation::service_layer {

// One batch's units: `purchased` is on hand without an eta, incoming with one; `reserved` is
// what live holds keep (none until holds exist); available = purchased - allocated - reserved.
struct BatchStock {
  std::string reference;
  std::string sku;
  std::optional<domain::Date> eta;
  std::string warehouse;
  std::optional<domain::Date> expires;
  int purchased = 0;
  int allocated = 0;
  int reserved = 0;
  int available = 0;
  friend bool operator==(const BatchStock&, const BatchStock&) = default;
};

// A product's units over all its batches, with its policy (SPEC §7.2) and the units of the
// lines waiting in its backorder queue. Sums are 64-bit: many batches of up to INT_MAX each.
// `available` counts what allocation can take on the day asked about: not an expired batch's.
struct ProductStock {
  std::string sku;
  int version = 0;
  bool backorders = false;
  std::optional<int> low_stock_threshold;
  long long on_hand = 0;
  long long incoming = 0;
  long long allocated = 0;
  long long reserved = 0;
  long long available = 0;
  long long backordered = 0;
  std::vector<BatchStock> batches;  // in the order they were added
  friend bool operator==(const ProductStock&, const ProductStock&) = default;

  // Adds the batch to `batches` and its units to the product's; its available units only if it
  // has not expired by `today`.
  void add(BatchStock batch, domain::Date today);
};

// A page of products in SKU order (the store's: bytes in memory and on SQLite), and the SKU
// the next page starts after when more may follow.
struct ProductPage {
  std::vector<ProductStock> products;
  std::optional<std::string> next;
};

class StockStates {
 public:
  virtual ~StockStates() = default;
  // The product with its batches, as allocation counts them on `today`; nullopt for an unknown
  // SKU.
  virtual std::optional<ProductStock> product(std::string_view sku, domain::Date today) = 0;
  // Up to `limit` products whose SKU sorts after `after` (all from ""), with their batches.
  virtual ProductPage products(std::string_view after, int limit, domain::Date today) = 0;
  // The batch; nullopt for an unknown reference.
  virtual std::optional<BatchStock> batch(std::string_view reference) = 0;
};

}  // namespace allocation::service_layer
