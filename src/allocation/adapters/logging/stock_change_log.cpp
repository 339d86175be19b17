#include "allocation/adapters/logging/stock_change_log.hpp"

#include <spdlog/spdlog.h>

#include <initializer_list>

#include "allocation/adapters/logging/log_fields.hpp"
#include "allocation/service_layer/event_kinds.hpp"
#include "allocation/service_layer/event_table.hpp"

namespace allocation::adapters::logging {

namespace {

using namespace domain::events;

// One line at info with `fields` as its members: the message names the same ids in words.
template <class... Args>
void info(std::initializer_list<LogField> fields, fmt::format_string<Args...> format,
          Args&&... args) {
  const ScopedLogFields scope(fields);
  spdlog::info(format, std::forward<Args>(args)...);
}

const char* release_reason(HoldRelease reason) {
  switch (reason) {
    case HoldRelease::requested:
      return "requested";
    case HoldRelease::stock:
      return "its batch shrank";
  }
  return "released";
}

// One row per event: a new event without a row does not compile.
constexpr service_layer::EventTable kLines{
    [](std::string_view kind, const Allocated& e) {
      info({{"event", kind},
            {"orderid", e.orderid},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "allocated order {}: {} x {} from batch {}", e.orderid, e.qty, e.sku, e.batchref);
    },
    [](std::string_view kind, const Deallocated& e) {
      info({{"event", kind},
            {"orderid", e.orderid},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "deallocated order {}: {} x {} off batch {}, whose quantity went down; reallocating",
           e.orderid, e.qty, e.sku, e.batchref);
    },
    [](std::string_view kind, const OutOfStock& e) {
      info({{"event", kind}, {"sku", e.sku}}, "out of stock: {}", e.sku);
    },
    [](std::string_view kind, const Backordered& e) {
      info({{"event", kind}, {"orderid", e.orderid}, {"sku", e.sku}, {"qty", e.qty}},
           "backordered order {}: {} x {}, which no batch can take now", e.orderid, e.qty, e.sku);
    },
    [](std::string_view kind, const Released& e) {
      if (e.batchref) {
        info({{"event", kind},
              {"orderid", e.orderid},
              {"sku", e.sku},
              {"batchref", *e.batchref},
              {"qty", e.qty}},
             "released order {}: {} x {} from batch {}", e.orderid, e.qty, e.sku, *e.batchref);
      } else {
        info({{"event", kind}, {"orderid", e.orderid}, {"sku", e.sku}, {"qty", e.qty}},
             "released order {}: {} x {} from the backorder queue", e.orderid, e.qty, e.sku);
      }
    },
    [](std::string_view kind, const BackInStock& e) {
      info({{"event", kind}, {"sku", e.sku}, {"available", e.available}},
           "back in stock: {}, {} available", e.sku, e.available);
    },
    [](std::string_view kind, const LowStock& e) {
      info({{"event", kind}, {"sku", e.sku}, {"available", e.available}},
           "low stock: {}, {} available (threshold {})", e.sku, e.available, e.threshold);
    },
    [](std::string_view kind, const BatchAdded& e) {
      info({{"event", kind}, {"sku", e.sku}, {"batchref", e.batchref}, {"qty", e.qty}},
           "received batch {}: {} x {}", e.batchref, e.qty, e.sku);
    },
    [](std::string_view kind, const BatchQuantityChanged& e) {
      info({{"event", kind}, {"sku", e.sku}, {"batchref", e.batchref}, {"qty", e.qty}},
           "adjusted batch {} of {}: {} -> {}", e.batchref, e.sku, e.old_qty, e.qty);
    },
    [](std::string_view kind, const Reserved& e) {
      info({{"event", kind},
            {"reservation", e.id},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "held {} x {} in batch {} for reservation {} until {}", e.qty, e.sku, e.batchref, e.id,
           domain::format_instant(e.expires_at));
    },
    [](std::string_view kind, const ReservationExtended& e) {
      info({{"event", kind}, {"reservation", e.id}, {"sku", e.sku}},
           "extended reservation {} of {} until {}", e.id, e.sku,
           domain::format_instant(e.expires_at));
    },
    [](std::string_view kind, const ReservationExpired& e) {
      info({{"event", kind},
            {"reservation", e.id},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "expired reservation {}: {} x {} in batch {} free again", e.id, e.qty, e.sku,
           e.batchref);
    },
    [](std::string_view kind, const ReservationReleased& e) {
      info({{"event", kind},
            {"reservation", e.id},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "released reservation {} ({}): {} x {} in batch {} free again", e.id,
           release_reason(e.reason), e.qty, e.sku, e.batchref);
    },
    [](std::string_view kind, const ReservationMoved& e) {
      info({{"event", kind},
            {"reservation", e.id},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "moved reservation {}: {} x {} from batch {} to batch {}", e.id, e.qty, e.sku,
           e.from_batchref, e.batchref);
    },
    [](std::string_view kind, const ReservationConsumed& e) {
      info({{"event", kind},
            {"reservation", e.id},
            {"orderid", e.orderid},
            {"sku", e.sku},
            {"batchref", e.batchref},
            {"qty", e.qty}},
           "reservation {} taken by order {}: {} x {} in batch {}", e.id, e.orderid, e.qty, e.sku,
           e.batchref);
    },
};

}  // namespace

void log_stock_change(const domain::Event& event) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  std::visit([&](const auto& e) { kLines(service_layer::kEventKinds(e), e); }, event);
}

}  // namespace allocation::adapters::logging
