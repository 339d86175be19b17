#pragma once

#include "allocation/service_layer/ports/notifications.hpp"

namespace allocation::adapters {

// Notifications written to the log: the zero-configuration default, when no mail server is set.
class LogNotifications final : public service_layer::Notifications {
 public:
  void send(std::string_view subject, std::string_view body) override;
};

}  // namespace allocation::adapters
