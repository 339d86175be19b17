#include "allocation/adapters/in_memory/in_memory_stock_ledger.hpp"

#include <map>

#include "allocation/service_layer/stock_movements.hpp"

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
    long long reserved = 0;
  };
  service_layer::LedgerCheck check;
  std::map<std::string, Figures> recomputed;
  const auto movements = store_->movements();
  check.movements = static_cast<long long>(movements.size());
  for (const auto& movement : movements) {
    auto& figures = recomputed[movement.batchref];
    if (movement.kind == service_layer::movement_kinds::kReceived ||
        movement.kind == service_layer::movement_kinds::kAdjusted) {
      figures.purchased += movement.qty;
    } else if (movement.kind == service_layer::movement_kinds::kReserved ||
               movement.kind == service_layer::movement_kinds::kUnreserved) {
      figures.reserved -= movement.qty;
    } else {
      figures.allocated -= movement.qty;
    }
  }
  for (const auto& product : store_->products()) {
    for (const auto& batch : product.batches()) {
      const Figures figures = recomputed[batch.reference()];
      recomputed.erase(batch.reference());
      long long lines = 0;
      for (const auto& line : batch.loaded_lines()) lines += line.qty();
      long long holds = 0;
      for (const auto& hold : product.holds().live()) {
        if (hold.batchref() == batch.reference()) holds += hold.qty();
      }
      service_layer::compare(
          {batch.reference(), batch.purchased_quantity(), batch.allocated_quantity(), lines,
           figures.purchased, figures.allocated, batch.reserved_quantity(), holds,
           figures.reserved},
          check);
    }
  }
  // Batches the movements name and no product has: stored figures of 0.
  for (const auto& [ref, figures] : recomputed) {
    service_layer::compare(
        {ref, 0, 0, 0, figures.purchased, figures.allocated, 0, 0, figures.reserved}, check);
  }
  return check;
}

}  // namespace allocation::adapters
