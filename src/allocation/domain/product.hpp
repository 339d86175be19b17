#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/batch.hpp"
#include "allocation/domain/events.hpp"
#include "allocation/domain/order_line.hpp"

namespace allocation::domain {

// The aggregate root of one SKU: every batch of it, and the version number that detects
// concurrent changes. Every change to stock goes through a Product, which records what happened
// as events and increments its version once per change.
//
// A repository may load a product partially: every batch with its exact allocated total, but
// only the order lines an operation needs (for allocate(), those of the order being allocated,
// whose qty tells a retry from a conflict; for change_batch_quantity(), all lines of that batch).
// Nothing else needs the lines, and not loading them keeps allocation independent of history.
class Product {
 public:
  explicit Product(std::string sku, std::vector<Batch> batches = {}, int version_number = 0);

  const std::string& sku() const { return sku_; }
  int version_number() const { return version_number_; }
  const std::vector<Batch>& batches() const { return batches_; }
  const Batch* batch(std::string_view reference) const;

  // Adds a batch of this SKU. Returns false and changes nothing when a batch with the same
  // reference and the same data is here already; throws BatchConflict when its data differ.
  bool add_batch(Batch batch);

  // Allocates the line to the first batch that can take it: warehouse stock (no eta) first,
  // then the earliest eta, ties in the order the batches were added. Returns that batch's
  // reference and records Allocated; returns nullopt and records OutOfStock when none can.
  // The same line again (same order, same qty) returns its batch and changes nothing, so that
  // a client may retry; the order's line with another qty throws LineConflict, changing nothing.
  std::optional<std::string> allocate(const OrderLine& line);

  // Sets a batch's purchased quantity; while it is over-allocated, takes off its most recently
  // allocated lines, recording Deallocated for each. Throws UnknownBatch.
  void change_batch_quantity(std::string_view reference, int quantity);

  const std::vector<Event>& events() const { return events_; }
  // Hands over the events recorded so far and forgets them.
  std::vector<Event> take_events();

 private:
  Batch* find_batch(std::string_view reference);

  std::string sku_;
  int version_number_;
  std::vector<Batch> batches_;
  std::vector<Event> events_;
};

}  // namespace allocation::domain
