#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// What the fault run sent and what it was answered, and the faults it injected: the record the
// checker judges the service by once the run is over.
namespace allocation::fault_run {

using Clock = std::chrono::steady_clock;

// What a client can say of a request once it gave up on it.
enum class Outcome {
  ok,         // a 2xx: the change was made
  refused,    // a 4xx at the first attempt: nothing was changed
  ambiguous,  // no answer (a timeout, a broken connection) or a 5xx, at the last attempt: the
              // change may or may not have been made, and may still be made later
};
const char* outcome_name(Outcome outcome);

struct Operation {
  long id = 0;
  std::string kind;  // add_batch, allocate, cancel, deallocate, reserve, extend, release,
                     // change_quantity, warehouse_priority, policy
  std::string method, path;
  nlohmann::json body;  // null: none
  Outcome outcome = Outcome::ambiguous;
  int status = 0;  // of the last answer; 0: none came
  nlohmann::json answer;
  int attempts = 0;
  Clock::time_point start, end;
};

struct Fault {
  std::string what;
  Clock::time_point at;
};

// Thread-safe: the clients and the fault injector add to it at once.
class History {
 public:
  void add(Operation operation);
  void add(Fault fault);
  std::vector<Operation> operations() const;
  std::vector<Fault> faults() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Operation> operations_;  // guarded by mutex_
  std::vector<Fault> faults_;          // guarded by mutex_
};

}  // namespace allocation::fault_run
