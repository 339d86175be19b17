#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/date.hpp"
#include "allocation/domain/order_line.hpp"
#include "allocation/domain/warehouse_priorities.hpp"

namespace allocation::domain {

// Where a batch's stock is kept, and until when it keeps (perishable stock; SPEC §6).
struct Storage {
  std::string warehouse = std::string(kDefaultWarehouse);
  std::optional<Date> expires = std::nullopt;
  friend bool operator==(const Storage&, const Storage&) = default;
};

// Stock of one SKU that arrived (no eta) or is expected (eta). An entity: its identity is its
// reference. Only its Product changes it.
//
// A batch always knows the exact total it has allocated, but may hold only some of its order
// lines: a repository loads the lines an operation needs, so that allocating does not get slower
// as history grows (see Product).
class Batch {
 public:
  // A new, empty batch. Throws std::invalid_argument for an empty reference, sku or warehouse,
  // or a negative quantity.
  Batch(std::string reference, std::string sku, int purchased_quantity, std::optional<Date> eta,
        Storage storage = {});

  // A stored batch: `allocated_quantity` is the total of all its lines; `loaded_lines`, oldest
  // first, are the most recent of them or all of them. `reserved_quantity` is the total of its
  // live holds (the Product has those it loaded).
  static Batch restore(std::string reference, std::string sku, int purchased_quantity,
                       std::optional<Date> eta, int allocated_quantity,
                       std::vector<OrderLine> loaded_lines, int reserved_quantity = 0,
                       Storage storage = {});

  const std::string& reference() const { return reference_; }
  const std::string& sku() const { return sku_; }
  const std::optional<Date>& eta() const { return eta_; }
  const std::string& warehouse() const { return storage_.warehouse; }
  const std::optional<Date>& expires() const { return storage_.expires; }
  const Storage& storage() const { return storage_; }
  int purchased_quantity() const { return purchased_quantity_; }
  int allocated_quantity() const { return allocated_quantity_; }
  // Units of its live holds, expired or not: a hold holds until its Product ends it.
  int reserved_quantity() const { return reserved_quantity_; }
  int available_quantity() const {
    return purchased_quantity_ - allocated_quantity_ - reserved_quantity_;
  }
  const std::vector<OrderLine>& loaded_lines() const { return lines_; }
  bool all_lines_loaded() const;

  bool can_allocate(const OrderLine& line) const;
  bool can_take(int qty) const { return available_quantity() >= qty; }
  // The loaded line of this order, if any.
  const OrderLine* line_of(std::string_view orderid) const;
  // Same sku, purchased quantity, eta and storage: what makes a second add of this batch a no-op.
  bool has_same_data(const Batch& other) const;

 private:
  friend class Product;

  // Adds the line; the same whole line twice changes nothing. A part of a split line joins the
  // part of that line the batch has, if any. The caller checked can_allocate().
  void allocate(const OrderLine& line);
  // Takes off the most recently allocated line. Needs every line loaded: a repository that
  // loaded fewer for a batch whose quantity changes has a bug, reported by std::logic_error.
  OrderLine deallocate_most_recent();
  // Takes off the order's loaded line, if it has one.
  std::optional<OrderLine> release(std::string_view orderid);
  void set_purchased_quantity(int quantity);
  // Units a hold takes, or gives back. The caller checked can_take() / that they are held.
  void reserve(int qty) { reserved_quantity_ += qty; }
  void unreserve(int qty) { reserved_quantity_ -= qty; }

  std::string reference_;
  std::string sku_;
  int purchased_quantity_;
  std::optional<Date> eta_;
  Storage storage_;
  int allocated_quantity_ = 0;
  int reserved_quantity_ = 0;
  std::vector<OrderLine> lines_;
};

}  // namespace allocation::domain
