#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace allocation::entrypoints {

// A dependency GET /health/ready asks after: its name, and what throws unless it answers now.
struct ReadinessCheck {
  std::string name;
  std::function<void()> check;
};

// GET /health/ready's answer: each check run now; 200 {"status": "ready", "checks": {name:
// "ok"}} when all answered, else 503 with the message naming those that did not, and why.
struct ReadinessAnswer {
  int status;
  nlohmann::json body;
};
ReadinessAnswer readiness(const std::vector<ReadinessCheck>& checks);

}  // namespace allocation::entrypoints
