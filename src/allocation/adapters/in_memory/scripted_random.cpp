#include "allocation/adapters/in_memory/scripted_random.hpp"

#include <stdexcept>
#include <string>

namespace allocation::adapters {

ScriptedRandom::ScriptedRandom(std::vector<std::int64_t> script)
    : script_(script.begin(), script.end()) {}

std::int64_t ScriptedRandom::uniform(std::int64_t low, std::int64_t high) {
  std::lock_guard lock(mutex_);
  asked_.emplace_back(low, high);
  if (script_.empty()) return low;
  const auto answer = script_.front();
  script_.pop_front();
  if (answer < low || answer > high)
    throw std::out_of_range("ScriptedRandom: " + std::to_string(answer) + " is outside [" +
                            std::to_string(low) + ", " + std::to_string(high) + "]");
  return answer;
}

std::vector<ScriptedRandom::Range> ScriptedRandom::asked() const {
  std::lock_guard lock(mutex_);
  return asked_;
}

}  // namespace allocation::adapters
