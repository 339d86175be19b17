#include "allocation/service_layer/ports/order_lines.hpp"

#include <algorithm>

namespace allocation::service_layer {

std::vector<OrderLineView> lines_from_parts(std::vector<OrderLineView> rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const OrderLineView& a, const OrderLineView& b) { return a.sku < b.sku; });
  std::vector<OrderLineView> lines;
  for (OrderLineView& row : rows) {
    if (lines.empty() || lines.back().sku != row.sku) {
      lines.push_back(std::move(row));
      continue;
    }
    OrderLineView& line = lines.back();
    // LineStatus's order: allocated before backordered before cancelled.
    line.status = std::min(line.status, row.status);
    for (OrderPart& part : row.allocations) {
      // Two rows of one part in a batch are possible (a waiting part served to a batch whose
      // part of the line was not loaded): one part.
      auto same = std::find_if(line.allocations.begin(), line.allocations.end(),
                               [&](const OrderPart& p) { return p.batchref == part.batchref; });
      if (same != line.allocations.end()) {
        same->qty += part.qty;
      } else {
        line.allocations.push_back(std::move(part));
      }
    }
  }
  return lines;
}

}  // namespace allocation::service_layer
