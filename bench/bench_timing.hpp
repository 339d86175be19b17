#pragma once

// What the bench programs that time single commands through the bus share.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "allocation/service_layer/message_bus.hpp"

namespace allocation::bench {

using Clock = std::chrono::steady_clock;

inline double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// Median of `samples` allocations of 1 unit of `sku`, each of a new order.
inline double median_allocation_us(const service_layer::MessageBus& bus, const std::string& sku,
                                   int samples) {
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    bus.handle(domain::commands::Allocate{sku + "-t" + std::to_string(i), sku, 1});
    times.push_back(micros_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace allocation::bench
