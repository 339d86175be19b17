#include "allocation/domain/holds.hpp"

#include <algorithm>
#include <stdexcept>

namespace allocation::domain {

Holds::Holds(std::vector<Hold> loaded, ExpiredSource expired)
    : source_(std::move(expired)), live_(std::move(loaded)) {}

const Hold* Holds::find(std::string_view id) const {
  auto it = std::find_if(live_.begin(), live_.end(), [&](const Hold& h) { return h.id() == id; });
  return it == live_.end() ? nullptr : &*it;
}

Hold* Holds::find_live(std::string_view id) { return const_cast<Hold*>(find(id)); }

bool Holds::ended_here(std::string_view id) const {
  return std::any_of(ended_.begin(), ended_.end(),
                     [&](const EndedHold& e) { return e.hold.id() == id; });
}

void Holds::add(Hold hold) {
  if (find(hold.id()) || ended_here(hold.id())) {
    throw std::logic_error("hold " + hold.id() + " exists already");
  }
  live_.push_back(std::move(hold));
}

Hold Holds::end(std::string_view id, HoldEnd how) {
  auto it = std::find_if(live_.begin(), live_.end(), [&](const Hold& h) { return h.id() == id; });
  if (it == live_.end()) throw std::logic_error("no live hold " + std::string(id));
  Hold hold = std::move(*it);
  live_.erase(it);
  ended_.push_back({hold, how});
  return hold;
}

std::vector<std::string> Holds::expired(Instant now) {
  if (source_) {
    for (Hold& stored : source_(now)) {
      // Loaded already, or ended by this unit of work but still stored.
      if (find(stored.id()) || ended_here(stored.id())) continue;
      live_.push_back(std::move(stored));
    }
  }
  std::vector<std::string> ids;
  for (const Hold& hold : live_) {
    if (hold.expired(now)) ids.push_back(hold.id());
  }
  return ids;
}

}  // namespace allocation::domain
