#include "allocation/adapters/log_notifications.hpp"

#include <spdlog/spdlog.h>

namespace allocation::adapters {

void LogNotifications::send(std::string_view subject, std::string_view body) {
  // A short notification's body is its subject again (a mail needs both): said once.
  if (body.empty() || body == subject) {
    spdlog::warn("notification: {}", subject);
  } else {
    spdlog::warn("notification: {}: {}", subject, body);
  }
}

}  // namespace allocation::adapters
