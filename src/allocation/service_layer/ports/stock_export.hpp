#pragma once

#include <optional>
#include <string>
#include <vector>

#include "allocation/domain/date.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"

// Port: everything stored, read page by page in the order it was stored, for `allocation
// export` (SPEC §7.5). A page is one query of at most `limit` rows after the last one read, so
// an export holds one page in memory however much is stored. Safe to use from many threads.
namespace allocation::service_layer {

// A batch as it was added, and as `allocation import` takes it back.
struct ExportedBatch {
  long long id;  // its place in the order batches were added: where the next page starts
  std::string ref;
  std::string sku;
  int qty;  // purchased
  std::optional<domain::Date> eta;
  std::string warehouse;
  std::optional<domain::Date> expires;
  friend bool operator==(const ExportedBatch&, const ExportedBatch&) = default;
};

// An order line, or one part of a line split across batches: one row of each.
struct ExportedAllocation {
  long long id;  // where the next page starts
  std::string orderid;
  std::string sku;
  int line_qty;  // the line's units
  LineStatus status;
  std::optional<std::string> batchref;  // while allocated
  int qty;                              // this part's units (line_qty for a whole line)
  friend bool operator==(const ExportedAllocation&, const ExportedAllocation&) = default;
};

class StockExport {
 public:
  virtual ~StockExport() = default;
  // Each at most `limit` (> 0) rows, after the row whose id (seq) is `after` (0: from the first).
  virtual std::vector<ExportedBatch> batches(long long after, int limit) = 0;
  virtual std::vector<ExportedAllocation> allocations(long long after, int limit) = 0;
  virtual std::vector<StoredMovement> movements(long long after, int limit) = 0;
};

}  // namespace allocation::service_layer
