#pragma once

#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fault_run/cluster.hpp"
#include "fault_run/history.hpp"

// The random commands of the fault run's clients: every kind of change the API takes, aimed at
// what the clients made before, sent with an Idempotency-Key and retried while the answer is
// ambiguous, as a careful client does.
namespace allocation::fault_run {

inline constexpr int kSkus = 4;
std::string sku_name(int sku);
// The warehouses batches are added to; allocations may also prefer one that has none.
inline const std::vector<std::string> kWarehouses = {"main", "north", "south"};

// What the clients made (answered 2xx, or ambiguously): the targets of their next commands.
// Thread-safe.
class Known {
 public:
  struct Batch {
    std::string ref, sku;
  };
  struct Order {
    std::string orderid, sku;
  };
  struct Hold {
    std::string id, sku;
  };
  void learn(const Operation& operation);
  std::optional<Batch> batch(std::mt19937_64& random) const;
  std::optional<Order> order(std::mt19937_64& random) const;
  std::optional<Hold> hold(std::mt19937_64& random) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Batch> batches_;  // guarded by mutex_
  std::vector<Order> orders_;   // guarded by mutex_
  std::vector<Hold> holds_;     // guarded by mutex_; the last 64 made
};

// The next command, drawn from `random`; `id` names what it makes (B<id>, O<id>, H<id>).
Operation next_operation(long id, std::mt19937_64& random, const Known& known);

// Sends it until it is answered 2xx or 4xx, up to 5 attempts to processes drawn at random, and
// records the outcome, the last answer and the times.
void perform(Operation& operation, const Cluster& cluster, std::mt19937_64& random);

}  // namespace allocation::fault_run
