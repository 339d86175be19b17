#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace allocation::adapters::sql {

// What a process remembers of products as stored, by SKU, bounded by the total weight of its
// entries (a product's batches): the least recently used go first, and the one just remembered
// stays, however heavy. Not thread-safe: its owner says who uses it (StoredProducts,
// KnownProducts).
template <class Value>
class RecentBySku {
 public:
  explicit RecentBySku(std::size_t max_weight) : max_weight_(max_weight) {}

  // The value remembered for `sku`, now the most recently used, or nullptr; valid until the
  // next call that remembers or forgets.
  Value* find(std::string_view sku) {
    auto found = by_sku_.find(sku);
    if (found == by_sku_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, found->second);
    return &found->second->value;
  }

  void remember(const std::string& sku, Value value, std::size_t weight) {
    forget(sku);
    weight_ += weight;
    entries_.push_front({sku, std::move(value), weight});
    by_sku_.emplace(sku, entries_.begin());
    while (weight_ > max_weight_ && entries_.size() > 1) {
      const std::string oldest = entries_.back().sku;
      forget(oldest);
    }
  }

  void forget(std::string_view sku) {
    auto found = by_sku_.find(sku);
    if (found == by_sku_.end()) return;
    weight_ -= found->second->weight;
    entries_.erase(found->second);
    by_sku_.erase(found);
  }

  void forget_all() {
    by_sku_.clear();
    entries_.clear();
    weight_ = 0;
  }

  std::size_t size() const { return by_sku_.size(); }
  std::size_t weight() const { return weight_; }

 private:
  struct Entry {
    std::string sku;
    Value value;
    std::size_t weight;
  };
  using Entries = std::list<Entry>;  // most recently used first

  const std::size_t max_weight_;
  Entries entries_;
  std::map<std::string, typename Entries::iterator, std::less<>> by_sku_;
  std::size_t weight_ = 0;
};

}  // namespace allocation::adapters::sql
