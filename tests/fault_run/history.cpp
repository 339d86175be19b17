#include "fault_run/history.hpp"

namespace allocation::fault_run {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::refused:
      return "refused";
    case Outcome::ambiguous:
      return "ambiguous";
  }
  return "unknown";
}

void History::add(Operation operation) {
  std::lock_guard lock(mutex_);
  operations_.push_back(std::move(operation));
}

void History::add(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

std::vector<Operation> History::operations() const {
  std::lock_guard lock(mutex_);
  return operations_;
}

std::vector<Fault> History::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

}  // namespace allocation::fault_run
