#include "allocation/entrypoints/http/readiness.hpp"

#include <exception>

namespace allocation::entrypoints {

ReadinessAnswer readiness(const std::vector<ReadinessCheck>& checks) {
  nlohmann::json answers = nlohmann::json::object();
  std::string failures;
  for (const auto& [name, check] : checks) {
    try {
      check();
      answers[name] = "ok";
    } catch (const std::exception& error) {
      answers[name] = error.what();
      failures += (failures.empty() ? "" : "; ") + name + ": " + error.what();
    }
  }
  if (failures.empty()) return {200, {{"status", "ready"}, {"checks", answers}}};
  return {503,
          {{"message", "not ready: " + failures}, {"status", "not ready"}, {"checks", answers}}};
}

}  // namespace allocation::entrypoints
