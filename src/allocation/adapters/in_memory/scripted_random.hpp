#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "allocation/service_layer/ports/random_source.hpp"

namespace allocation::adapters {

// The random source of tests: answers the numbers of its script in order, then `low` once the
// script is used up, and keeps each range it was asked for. A scripted number outside the range
// asked is std::out_of_range: the test's script and the code disagree.
class ScriptedRandom final : public service_layer::RandomSource {
 public:
  using Range = std::pair<std::int64_t, std::int64_t>;  // [low, high]

  explicit ScriptedRandom(std::vector<std::int64_t> script = {});

  std::int64_t uniform(std::int64_t low, std::int64_t high) override;
  std::vector<Range> asked() const;

 private:
  mutable std::mutex mutex_;
  std::deque<std::int64_t> script_;
  std::vector<Range> asked_;
};

}  // namespace allocation::adapters
