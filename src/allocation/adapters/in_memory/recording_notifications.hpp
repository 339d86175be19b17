#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "allocation/service_layer/ports/notifications.hpp"

namespace allocation::adapters {

struct SentNotification {
  std::string subject;
  std::string body;
};

// Keeps what was sent, in order, in memory.
class RecordingNotifications final : public service_layer::Notifications {
 public:
  void send(std::string_view subject, std::string_view body) override;
  std::vector<SentNotification> sent() const;

 private:
  mutable std::mutex mutex_;
  std::vector<SentNotification> sent_;
};

}  // namespace allocation::adapters
