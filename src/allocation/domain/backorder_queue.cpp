#include "allocation/domain/backorder_queue.hpp"

#include <algorithm>
#include <utility>

namespace allocation::domain {

BackorderQueue::BackorderQueue(Source source, std::vector<WaitingLine> known)
    : source_(std::move(source)) {
  for (WaitingLine& waiting : known) known_.emplace(waiting.seq, std::move(waiting.line));
}

BackorderQueue BackorderQueue::all_of(std::vector<WaitingLine> stored) {
  return BackorderQueue(nullptr, std::move(stored));
}

const OrderLine* BackorderQueue::line_of(std::string_view orderid) const {
  for (const auto& [seq, line] : known_) {
    if (line.orderid() == orderid) return &line;
  }
  auto it = std::find_if(added_.begin(), added_.end(),
                         [&](const OrderLine& line) { return line.orderid() == orderid; });
  return it == added_.end() ? nullptr : &*it;
}

std::vector<OrderLine> BackorderQueue::lines_of(std::string_view orderid) const {
  std::vector<OrderLine> lines;
  for (const auto& [seq, line] : known_) {
    if (line.orderid() == orderid) lines.push_back(line);
  }
  for (const OrderLine& line : added_) {
    if (line.orderid() == orderid) lines.push_back(line);
  }
  return lines;
}

void BackorderQueue::add(OrderLine line) { added_.push_back(std::move(line)); }

std::optional<OrderLine> BackorderQueue::remove(std::string_view orderid) {
  for (auto it = known_.begin(); it != known_.end(); ++it) {
    if (it->second.orderid() != orderid) continue;
    OrderLine line = std::move(it->second);
    left_.push_back(it->first);
    known_.erase(it);
    return line;
  }
  auto it = std::find_if(added_.begin(), added_.end(),
                         [&](const OrderLine& line) { return line.orderid() == orderid; });
  if (it == added_.end()) return std::nullopt;
  OrderLine line = std::move(*it);
  added_.erase(it);
  return line;
}

bool BackorderQueue::has_left(std::int64_t seq) const {
  return std::find(left_.begin(), left_.end(), seq) != left_.end();
}

bool BackorderQueue::offer(const WaitingLine& waiting,
                           const std::function<bool(const OrderLine&)>& take) {
  if (!take(waiting.line)) return false;
  known_.erase(waiting.seq);
  left_.push_back(waiting.seq);
  return true;
}

void BackorderQueue::serve(const std::function<int()>& room,
                           const std::function<bool(const OrderLine&)>& take) {
  if (source_) {
    // Page by page from the store, each page asked for with the room left; a line that left in
    // this unit of work is still stored until it commits.
    std::int64_t after = 0;
    for (int max_qty = room(); max_qty > 0;) {
      const std::vector<WaitingLine> page = source_(after, max_qty);
      if (page.empty()) break;
      for (const WaitingLine& waiting : page) {
        after = std::max(after, waiting.seq);
        if (has_left(waiting.seq) || waiting.line.qty() > max_qty) continue;
        known_.try_emplace(waiting.seq, waiting.line);
        if (offer(waiting, take) && (max_qty = room()) <= 0) return;
      }
    }
  } else {
    for (auto it = known_.begin(); it != known_.end();) {
      const int max_qty = room();
      if (max_qty <= 0) return;
      const WaitingLine waiting{it->first, it->second};
      ++it;
      if (waiting.line.qty() <= max_qty) offer(waiting, take);
    }
  }
  // Then the lines that arrived in this unit of work, after every stored one.
  for (auto it = added_.begin(); it != added_.end();) {
    const int max_qty = room();
    if (max_qty <= 0) return;
    if (it->qty() <= max_qty && take(*it)) {
      it = added_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace allocation::domain
