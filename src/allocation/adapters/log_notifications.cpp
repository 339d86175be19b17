#include "allocation/adapters/log_notifications.hpp"

#include <spdlog/spdlog.h>

namespace allocation::adapters {

void LogNotifications::send(std::string_view subject, std::string_view body) {
  spdlog::warn("notification: {}: {}", subject, body);
}

}  // namespace allocation::adapters
