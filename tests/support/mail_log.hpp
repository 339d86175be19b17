#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/text_file.hpp"

namespace allocation::testing {

// Waits up to `timeout` for `part` in the log of the test SMTP server (aiosmtpd prints each
// mail it receives).
inline bool mail_received(const std::string& log, const std::string& part,
                          std::chrono::seconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(log).find(part) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace allocation::testing
