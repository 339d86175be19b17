#pragma once

#include "allocation/domain/events.hpp"

namespace allocation::service_layer {

// Port: the live feed of what this process commits (GET /events): told of every event once its
// unit of work committed, in the order the bus handles them. Must not block the bus: a slow
// reader of the feed is the adapter's to deal with. Thread-safe.
class ChangeFeed {
 public:
  ChangeFeed() = default;
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;
  virtual ~ChangeFeed() = default;

  // Whether anyone reads the feed now: when nobody does, the bus need not copy its events into
  // it (a copy per event costs the hot path, when nothing else here does).
  virtual bool listened_to() const = 0;
  virtual void publish(const domain::Event& event) = 0;
};

}  // namespace allocation::service_layer
