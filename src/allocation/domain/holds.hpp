#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/hold.hpp"

namespace allocation::domain {

// How a hold ended.
enum class HoldEnd {
  expired,   // its time ran out
  released,  // let go before it expired: asked for, or its batch shrank (SPEC §7.3)
  consumed,  // turned into an allocation
};

struct EndedHold {
  Hold hold;
  HoldEnd how;
  friend bool operator==(const EndedHold&, const EndedHold&) = default;
};

// The live holds of one product that an operation needs, out of all those stored (SPEC §7.3).
//
// A product may have many holds, and allocating must not get slower with them, so a repository
// loads only some: the one a command names, all those of a batch whose quantity changes. The
// expired ones are read on demand, through a source, when a rule needs them out of the way.
// What was added, changed and ended is kept for the repository to write.
class Holds {
 public:
  // The stored live holds that expired at `now`: all of them, or none when none is left.
  using ExpiredSource = std::function<std::vector<Hold>(Instant now)>;

  // No hold, nothing stored.
  Holds() = default;
  // The stored holds `loaded`, in the order they were made; the other expired ones through
  // `expired` (without a source, `loaded` are all there are).
  explicit Holds(std::vector<Hold> loaded, ExpiredSource expired = {});

  // The live hold with this id, among those loaded or added.
  const Hold* find(std::string_view id) const;
  // Live holds, loaded or added, in the order they were made (as far as one batch's go).
  const std::vector<Hold>& live() const { return live_; }
  const std::vector<EndedHold>& ended() const { return ended_; }
  // Whether a hold with this id ended in this unit of work.
  bool ended_here(std::string_view id) const;

 private:
  friend class Product;

  Hold* find_live(std::string_view id);
  void add(Hold hold);
  // Takes the live hold out, recording how it ended, and returns it.
  Hold end(std::string_view id, HoldEnd how);
  // The ids of the live holds expired at `now`: those loaded, and the stored ones the source
  // gives (added to those loaded).
  std::vector<std::string> expired(Instant now);

  ExpiredSource source_;
  std::vector<Hold> live_;
  std::vector<EndedHold> ended_;
};

}  // namespace allocation::domain
