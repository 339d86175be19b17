#include "allocation/domain/allocation_order.hpp"

#include <tuple>

namespace allocation::domain {

namespace {

// An expiry date for comparing: none keeps longest.
Date keeps_until(const std::optional<Date>& expires) {
  constexpr Date kNever{std::chrono::year::max(), std::chrono::December, std::chrono::day{31}};
  return expires.value_or(kNever);
}

}  // namespace

bool AllocationOrder::usable(const Batch& batch) const {
  return !batch.expires() || *batch.expires() >= today_;
}

bool AllocationOrder::before(const Batch& a, const Batch& b) const {
  if (preferred_) {
    const bool a_preferred = a.warehouse() == *preferred_;
    if (a_preferred != (b.warehouse() == *preferred_)) return a_preferred;
  }
  if (a.eta().has_value() != b.eta().has_value()) return !a.eta().has_value();
  const int a_priority = priorities_->of(a.warehouse());
  const int b_priority = priorities_->of(b.warehouse());
  if (!a.eta()) {
    return std::tuple(a_priority, keeps_until(a.expires())) <
           std::tuple(b_priority, keeps_until(b.expires()));
  }
  return std::tuple(*a.eta(), a_priority) < std::tuple(*b.eta(), b_priority);
}

Date date_of(Instant instant) { return Date{std::chrono::floor<std::chrono::days>(instant)}; }

}  // namespace allocation::domain
