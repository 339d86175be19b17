#include "allocation/adapters/sql/postgresql/known_holds.hpp"

#include <string>

namespace allocation::adapters::sql {

std::optional<domain::Hold> KnownHolds::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  const domain::Hold* known = known_.find(id);
  if (!known) return std::nullopt;
  return *known;
}

void KnownHolds::remember(const domain::Hold& hold) {
  std::lock_guard lock(mutex_);
  known_.remember(hold.id(), hold, 1);
}

void KnownHolds::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  known_.forget(id);
}

}  // namespace allocation::adapters::sql
