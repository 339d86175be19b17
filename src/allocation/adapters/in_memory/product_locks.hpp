#pragma once

#include <mutex>
#include <string_view>
#include <vector>

namespace allocation::adapters {

// Lets the writers of one product take turns inside this process: the in-memory units of work
// take their product's turn in InMemoryUnitsOfWork::perform, for the work they are given.
//
// Why shared mutable state: two threads changing one product at once make one of them lose
// its optimistic-concurrency race and redo all its work; on a hot product, many threads lose
// again and again. Taking turns here costs a wait instead. The version check stays: it is what
// keeps processes (several `serve` on one database) correct with each other.
//
// Products map onto a fixed set of mutexes by hash: two products may share one, which only
// makes them take turns too.
class ProductLocks {
 public:
  explicit ProductLocks(std::size_t stripes = 512) : stripes_(stripes) {}

  std::unique_lock<std::mutex> lock(std::string_view key) {
    return std::unique_lock(stripes_[std::hash<std::string_view>{}(key) % stripes_.size()]);
  }

 private:
  std::vector<std::mutex> stripes_;
};

}  // namespace allocation::adapters
