#include "allocation/adapters/cached_read_model.hpp"

#include <stdexcept>

namespace allocation::adapters {

using service_layer::AllocationRow;

namespace {

// How many answers one shard keeps.
std::size_t shard_capacity(const ReadCacheOptions& options) {
  if (options.shards == 0 || options.capacity == 0) {
    throw std::invalid_argument("a read cache needs at least one shard and one order of room");
  }
  return (options.capacity + options.shards - 1) / options.shards;
}

}  // namespace

CachedReadModel::CachedReadModel(std::shared_ptr<service_layer::ReadModel> source,
                                 ReadCacheOptions options, Clock now)
    : source_(std::move(source)),
      ttl_(options.ttl),
      shard_capacity_(shard_capacity(options)),
      now_(std::move(now)),
      shards_(options.shards) {}

CachedReadModel::Shard& CachedReadModel::shard_of(std::string_view orderid) {
  return shards_[std::hash<std::string_view>{}(orderid) % shards_.size()];
}

void CachedReadModel::drop(Shard& shard, Shard::Index::iterator found) {
  const auto answer = found->second;
  shard.by_order.erase(found);  // first: its key views the answer
  shard.answers.erase(answer);
}

std::vector<AllocationRow> CachedReadModel::allocations(std::string_view orderid) {
  Shard& shard = shard_of(orderid);
  std::uint64_t changes_before = 0;
  {
    std::lock_guard lock(shard.mutex);
    if (auto found = shard.by_order.find(orderid); found != shard.by_order.end()) {
      if (now_() - found->second->read_at < ttl_) {
        shard.answers.splice(shard.answers.begin(), shard.answers, found->second);
        hits_.fetch_add(1, std::memory_order_relaxed);
        return found->second->rows;
      }
      drop(shard, found);
    }
    changes_before = shard.changes;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  const auto read_at = now_();
  std::vector<AllocationRow> rows = source_->allocations(orderid);
  if (rows.empty()) return rows;

  std::lock_guard lock(shard.mutex);
  // A change dropped while the source was read may have come after the source's answer.
  if (shard.changes != changes_before || shard.by_order.contains(orderid)) return rows;
  shard.answers.push_front({std::string(orderid), rows, read_at});
  shard.by_order.emplace(shard.answers.front().orderid, shard.answers.begin());
  if (shard.answers.size() > shard_capacity_)
    drop(shard, shard.by_order.find(shard.answers.back().orderid));
  return rows;
}

void CachedReadModel::add(std::string_view orderid, std::string_view, std::string_view) {
  forget(orderid);
}

void CachedReadModel::remove(std::string_view orderid, std::string_view, std::string_view) {
  forget(orderid);
}

void CachedReadModel::forget(std::string_view orderid) {
  Shard& shard = shard_of(orderid);
  std::lock_guard lock(shard.mutex);
  ++shard.changes;
  if (auto found = shard.by_order.find(orderid); found != shard.by_order.end()) drop(shard, found);
}

}  // namespace allocation::adapters
