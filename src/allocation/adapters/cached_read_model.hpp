#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "allocation/service_layer/ports/read_model.hpp"

namespace allocation::adapters {

struct ReadCacheOptions {
  // How long an answer is served without asking the source again: the longest a change made
  // by another process (or written to the database by anything but this process's bus) stays
  // unseen here.
  std::chrono::milliseconds ttl{1000};
  std::size_t capacity = 50'000;  // orders; the least recently read go first
  // Parts locked independently, so that threads reading different orders rarely wait on one
  // another.
  std::size_t shards = 64;
};

// A read model in front of another (the database's view), keeping the answers of recently read
// orders in this process's memory: a read served from here costs no database round trip,
// which is most of a read's cost.
//
// Exact for this process's own changes: the bus's Allocated and Deallocated handlers call
// add/remove after the change is committed and before its command returns, and that drops the
// order's answer. A read that was already asking the source when a change to an order of its
// shard was dropped keeps its answer to itself, as it may predate the change. Changes by other
// processes are seen once the answer is older than the TTL: the read model converges.
// An order with no allocation is never kept, so a new order is seen at once everywhere.
//
// Thread-safe: each shard is guarded by its own mutex, never held while the source is asked.
class CachedReadModel final : public service_layer::ReadModel,
                              public service_layer::ReadModelWriter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  CachedReadModel(std::shared_ptr<service_layer::ReadModel> source, ReadCacheOptions options,
                  Clock now = std::chrono::steady_clock::now);

  std::vector<service_layer::AllocationRow> allocations(std::string_view orderid) override;
  void add(std::string_view orderid, std::string_view sku, std::string_view batchref) override;
  void remove(std::string_view orderid, std::string_view sku, std::string_view batchref) override;

  // Reads answered from memory, and reads that asked the source.
  unsigned long long hits() const { return hits_.load(std::memory_order_relaxed); }
  unsigned long long misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Answer {
    std::string orderid;
    std::vector<service_layer::AllocationRow> rows;
    std::chrono::steady_clock::time_point read_at;
  };
  struct Shard {
    std::mutex mutex;
    std::list<Answer> answers;  // most recently read first
    // Keys view the orderid of their answer, which a list node keeps in place.
    using Index = std::unordered_map<std::string_view, std::list<Answer>::iterator>;
    Index by_order;
    std::uint64_t changes = 0;  // orders dropped for a change so far
  };

  Shard& shard_of(std::string_view orderid);
  void forget(std::string_view orderid);
  static void drop(Shard& shard, Shard::Index::iterator found);

  std::shared_ptr<service_layer::ReadModel> source_;
  std::chrono::milliseconds ttl_;
  std::size_t shard_capacity_;
  Clock now_;
  std::vector<Shard> shards_;
  std::atomic<unsigned long long> hits_ = 0, misses_ = 0;
};

}  // namespace allocation::adapters
