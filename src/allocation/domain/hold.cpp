#include "allocation/domain/hold.hpp"

#include <cstdio>
#include <stdexcept>

namespace allocation::domain {

std::string format_instant(Instant instant) {
  const auto day = std::chrono::floor<std::chrono::days>(instant);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(instant - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return text;
}

Hold::Hold(std::string id, std::string sku, int qty, std::string batchref, Instant expires_at,
           std::chrono::seconds ttl)
    : id_(std::move(id)),
      sku_(std::move(sku)),
      qty_(qty),
      batchref_(std::move(batchref)),
      expires_at_(expires_at),
      ttl_(ttl) {
  if (id_.empty()) throw std::invalid_argument("a hold needs an id");
  if (sku_.empty()) throw std::invalid_argument("a hold needs a sku");
  if (batchref_.empty()) throw std::invalid_argument("a hold needs a batch");
  if (qty_ <= 0) throw std::invalid_argument("a hold's qty must be > 0");
  if (ttl_.count() <= 0) throw std::invalid_argument("a hold's ttl must be > 0");
}

}  // namespace allocation::domain
