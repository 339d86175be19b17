#include "allocation/adapters/log_publisher.hpp"

#include <spdlog/spdlog.h>

#include "allocation/adapters/event_json.hpp"

namespace allocation::adapters {

void LogPublisher::publish(std::string_view channel, const domain::Event& event) {
  spdlog::debug("publish on {}: {}", channel, to_json(event));
}

}  // namespace allocation::adapters
