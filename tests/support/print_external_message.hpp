#pragma once

#include <ostream>
#include <variant>

#include "allocation/service_layer/external_messages.hpp"

namespace allocation::service_layer {

// GoogleTest prints a failed comparison of messages with this (found by argument-dependent
// lookup) instead of their bytes.
inline void PrintTo(const ExternalMessage& message, std::ostream* out) {
  *out << message.channel << " {";
  for (const auto& field : message.payload) {
    *out << " " << field.name << ": ";
    std::visit([&](const auto& value) { *out << value; }, field.value);
  }
  *out << " }";
}

}  // namespace allocation::service_layer
