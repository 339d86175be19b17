#include "allocation/adapters/in_memory/in_memory_stock_ledger.hpp"

#include <map>

namespace allocation::adapters {

std::optional<service_layer::MovementPage> InMemoryStockLedger::movements(std::string_view sku,
                                                                          long long after,
                                                                          int limit) {
  if (!store_->find(sku)) return std::nullopt;
  service_layer::MovementPage page;
  for (auto& movement : store_->movements()) {
    if (movement.sku != sku || movement.seq <= after) continue;
    if (page.movements.size() == static_cast<std::size_t>(limit)) {
      page.next = page.movements.back().seq;
      break;
    }
    page.movements.push_back(std::move(movement));
  }
  return page;
}

service_layer::LedgerCheck InMemoryStockLedger::verify() {
  struct Figures {
    long long purchased = 0;
    long long allocated = 0;
  };
  service_layer::LedgerCheck check;
  std::map<std::string, Figures> recomputed;
  const auto movements = store_->movements();
  check.movements = static_cast<long long>(movements.size());
  for (const auto& movement : movements) {
    auto& figures = recomputed[movement.batchref];
    if (movement.kind == "received" || movement.kind == "adjusted") {
      figures.purchased += movement.qty;
    } else {
      figures.allocated -= movement.qty;
    }
  }
  auto& found = check.differences;
  for (const auto& product : store_->products()) {
    for (const auto& batch : product.batches()) {
      ++check.batches;
      const Figures figures = recomputed[batch.reference()];
      recomputed.erase(batch.reference());
      long long lines = 0;
      for (const auto& line : batch.loaded_lines()) lines += line.qty();
      if (batch.purchased_quantity() != figures.purchased)
        found.push_back(
            {batch.reference(), "purchased", batch.purchased_quantity(), figures.purchased});
      if (batch.allocated_quantity() != figures.allocated)
        found.push_back(
            {batch.reference(), "allocated", batch.allocated_quantity(), figures.allocated});
      if (lines != figures.allocated)
        found.push_back({batch.reference(), "allocated lines", lines, figures.allocated});
    }
  }
  // Batches the movements name and no product has.
  for (const auto& [ref, figures] : recomputed) {
    ++check.batches;
    if (figures.purchased != 0) found.push_back({ref, "purchased", 0, figures.purchased});
    if (figures.allocated != 0) found.push_back({ref, "allocated", 0, figures.allocated});
  }
  return check;
}

}  // namespace allocation::adapters
