#pragma once

#include <string_view>

namespace allocation::service_layer {

// Port: tells people (the stock team) that something needs their attention. Who receives it is
// the adapter's configuration. Safe to use from many threads.
class Notifications {
 public:
  virtual ~Notifications() = default;
  virtual void send(std::string_view subject, std::string_view body) = 0;
};

}  // namespace allocation::service_layer
