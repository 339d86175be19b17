#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "allocation/domain/order_line.hpp"

namespace allocation::domain {

// A line in the stored backorder queue: `seq` gives its place (the order the lines arrived in).
struct WaitingLine {
  std::int64_t seq;
  OrderLine line;
  friend bool operator==(const WaitingLine&, const WaitingLine&) = default;
};

// The lines of one product waiting for stock, in the order they arrived (SPEC §7.2).
//
// The stored queue may be long and is read only while stock is being handed out, so it is not
// loaded with its product: a repository gives a source that reads it on demand, in arrival
// order and only the lines small enough to be served, and may load the lines of the order an
// operation is about ahead (`known`). Lines added by this unit of work come after every stored
// one. What left or joined the queue is kept for the repository to write.
class BackorderQueue {
 public:
  // The stored lines after place `after` of at most `max_qty` units, in arrival order: some of
  // them (a page), or none when no such line is left.
  using Source = std::function<std::vector<WaitingLine>(std::int64_t after, int max_qty)>;

  // An empty queue, nothing stored.
  BackorderQueue() = default;
  // The stored queue: read through `source`; `known` are stored lines loaded ahead. Without a
  // source, `known` is the whole stored queue.
  explicit BackorderQueue(Source source, std::vector<WaitingLine> known = {});
  static BackorderQueue all_of(std::vector<WaitingLine> stored);

  // The waiting line of this order among those loaded or added, if any.
  const OrderLine* line_of(std::string_view orderid) const;
  // Every waiting line of this order among those loaded or added: parts of a split line that
  // found no stock wait each on its own (SPEC §6), in arrival order.
  std::vector<OrderLine> lines_of(std::string_view orderid) const;
  // Puts the line at the end of the queue. The caller checked it is not waiting already.
  void add(OrderLine line);
  // Takes the order's waiting line (loaded or added) out of the queue, if there is one.
  std::optional<OrderLine> remove(std::string_view orderid);

  // Offers the waiting lines in arrival order to `take`, which allocates one (true) or cannot
  // (false): only lines of at most `room()` units, while room() is above 0. A line too large
  // does not block the smaller ones behind it. Reads the stored queue only as far as needed.
  void serve(const std::function<int()>& room, const std::function<bool(const OrderLine&)>& take);

  // Stored lines that left the queue, by place; lines this unit of work added that still wait,
  // in arrival order.
  const std::vector<std::int64_t>& left() const { return left_; }
  const std::vector<OrderLine>& added() const { return added_; }

 private:
  bool has_left(std::int64_t seq) const;
  // Offers one stored line; true when it was taken.
  bool offer(const WaitingLine& waiting, const std::function<bool(const OrderLine&)>& take);

  Source source_;
  std::map<std::int64_t, OrderLine> known_;  // stored lines loaded and still waiting
  std::vector<std::int64_t> left_;
  std::vector<OrderLine> added_;
};

}  // namespace allocation::domain
