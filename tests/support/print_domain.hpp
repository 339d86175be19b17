#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "allocation/domain/events.hpp"
#include "allocation/domain/hold.hpp"
#include "allocation/domain/holds.hpp"
#include "allocation/domain/order_line.hpp"

// GoogleTest prints a failed comparison of events and order lines with these (found by
// argument-dependent lookup) instead of their bytes.
namespace allocation::domain {

inline void PrintTo(const OrderLine& line, std::ostream* out) {
  *out << "OrderLine(" << line.orderid() << ", " << line.sku() << ", " << line.qty();
  if (line.is_part()) *out << " of " << line.line_qty();
  *out << ")";
}

inline void PrintTo(const Hold& hold, std::ostream* out) {
  *out << "Hold(" << hold.id() << ", " << hold.sku() << ", " << hold.qty() << ", "
       << hold.batchref() << ", " << format_instant(hold.expires_at()) << ", " << hold.ttl().count()
       << "s)";
}

inline void PrintTo(const EndedHold& ended, std::ostream* out) {
  static constexpr const char* kHow[] = {"expired", "released", "consumed"};
  PrintTo(ended.hold, out);
  *out << " " << kHow[static_cast<int>(ended.how)];
}

inline void PrintTo(const LinePart& part, std::ostream* out) {
  *out << "LinePart{" << part.batchref << ", " << part.qty << "}";
}
}  // namespace allocation::domain

namespace allocation::domain::events {

namespace detail {
inline std::string or_null(const std::optional<std::string>& value) {
  return value ? *value : "null";
}
}  // namespace detail

inline void PrintTo(const Allocated& e, std::ostream* out) {
  *out << "Allocated{" << e.orderid << ", " << e.sku << ", " << e.qty << ", " << e.batchref << "}";
}
inline void PrintTo(const Deallocated& e, std::ostream* out) {
  *out << "Deallocated{" << e.orderid << ", " << e.sku << ", " << e.qty << ", " << e.batchref;
  if (e.line_qty) *out << ", of " << *e.line_qty;
  *out << "}";
}
inline void PrintTo(const OutOfStock& e, std::ostream* out) {
  *out << "OutOfStock{" << e.sku << "}";
}
inline void PrintTo(const Backordered& e, std::ostream* out) {
  *out << "Backordered{" << e.orderid << ", " << e.sku << ", " << e.qty << "}";
}
inline void PrintTo(const Released& e, std::ostream* out) {
  *out << "Released{" << e.orderid << ", " << e.sku << ", " << e.qty << ", "
       << detail::or_null(e.batchref) << "}";
}
inline void PrintTo(const BackInStock& e, std::ostream* out) {
  *out << "BackInStock{" << e.sku << ", " << e.available << "}";
}
inline void PrintTo(const LowStock& e, std::ostream* out) {
  *out << "LowStock{" << e.sku << ", " << e.available << ", " << e.threshold << "}";
}
inline void PrintTo(const BatchAdded& e, std::ostream* out) {
  *out << "BatchAdded{" << e.sku << ", " << e.batchref << ", " << e.qty << "}";
}
inline void PrintTo(const BatchQuantityChanged& e, std::ostream* out) {
  *out << "BatchQuantityChanged{" << e.sku << ", " << e.batchref << ", " << e.old_qty << " -> "
       << e.qty << "}";
}

inline void PrintTo(const Reserved& e, std::ostream* out) {
  *out << "Reserved{" << e.id << ", " << e.sku << ", " << e.qty << ", " << e.batchref << ", "
       << format_instant(e.expires_at) << "}";
}
inline void PrintTo(const ReservationExtended& e, std::ostream* out) {
  *out << "ReservationExtended{" << e.id << ", " << e.sku << ", " << format_instant(e.expires_at)
       << "}";
}
inline void PrintTo(const ReservationExpired& e, std::ostream* out) {
  *out << "ReservationExpired{" << e.id << ", " << e.sku << ", " << e.qty << ", " << e.batchref
       << "}";
}
inline void PrintTo(const ReservationReleased& e, std::ostream* out) {
  *out << "ReservationReleased{" << e.id << ", " << e.sku << ", " << e.qty << ", " << e.batchref
       << ", " << (e.reason == HoldRelease::requested ? "requested" : "stock") << "}";
}
inline void PrintTo(const ReservationMoved& e, std::ostream* out) {
  *out << "ReservationMoved{" << e.id << ", " << e.sku << ", " << e.qty << ", " << e.from_batchref
       << " -> " << e.batchref << "}";
}
inline void PrintTo(const ReservationConsumed& e, std::ostream* out) {
  *out << "ReservationConsumed{" << e.id << ", " << e.sku << ", " << e.qty << ", " << e.batchref
       << ", " << e.orderid << "}";
}

}  // namespace allocation::domain::events
