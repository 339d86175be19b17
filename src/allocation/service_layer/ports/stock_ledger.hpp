#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Port: the read side of the ledger (SPEC §7.6), the movements as stored, read without
// touching the domain model. Safe to use from many threads.
namespace allocation::service_layer {

// A movement as stored: its place in the ledger (seq, increasing in commit order within a
// product) and the time of its commit (RFC 3339, UTC) with the movement itself
// (stock_movements.hpp).
struct StoredMovement {
  long long seq;
  std::string at;
  std::string sku;
  std::string batchref;
  std::string kind;
  int qty;
  std::optional<std::string> orderid;
  std::optional<std::string> reason;
  std::optional<std::string> reservation = std::nullopt;
  friend bool operator==(const StoredMovement&, const StoredMovement&) = default;
};

// A page of a product's movements: those after a seq, in order, and where the next page starts
// (the last seq of this one) when more may follow; nullopt when none does.
struct MovementPage {
  std::vector<StoredMovement> movements;
  std::optional<long long> next;
};

// One figure of a batch that the ledger does not account for: `field` as stored, and as the
// movements make it. `batchref` is empty for a figure of the ledger itself (its index).
struct LedgerDifference {
  std::string batchref;
  std::string field;
  long long stored;
  long long recomputed;
  friend bool operator==(const LedgerDifference&, const LedgerDifference&) = default;
};

// What a check of the whole ledger found: how much it looked at, and each difference.
struct LedgerCheck {
  long long batches = 0;
  long long movements = 0;
  std::vector<LedgerDifference> differences;
};

// One batch's figures, as stored (the batch, the sum of its lines) and as its movements make
// them.
struct BatchFigures {
  std::string batchref;
  long long purchased, allocated, lines;
  long long recomputed_purchased, recomputed_allocated;
  // Stored total of its live holds, their sum, and what the movements make it.
  long long reserved = 0, holds = 0, recomputed_reserved = 0;
};

// Counts the batch in `check` and records each of its figures the ledger does not account for:
// what every StockLedger's verify() compares, whatever the store.
inline void compare(const BatchFigures& b, LedgerCheck& check) {
  ++check.batches;
  auto& found = check.differences;
  if (b.purchased != b.recomputed_purchased)
    found.push_back({b.batchref, "purchased", b.purchased, b.recomputed_purchased});
  if (b.allocated != b.recomputed_allocated)
    found.push_back({b.batchref, "allocated", b.allocated, b.recomputed_allocated});
  if (b.lines != b.recomputed_allocated)
    found.push_back({b.batchref, "allocated lines", b.lines, b.recomputed_allocated});
  if (b.reserved != b.recomputed_reserved)
    found.push_back({b.batchref, "reserved", b.reserved, b.recomputed_reserved});
  if (b.holds != b.recomputed_reserved)
    found.push_back({b.batchref, "reserved holds", b.holds, b.recomputed_reserved});
}

class StockLedger {
 public:
  virtual ~StockLedger() = default;
  // The product's movements with a seq above `after`, at most `limit` (> 0) of them; nullopt
  // when the product is unknown.
  virtual std::optional<MovementPage> movements(std::string_view sku, long long after,
                                                int limit) = 0;
  // Every batch's purchased (received + adjusted) and allocated (-(allocated + released)) as
  // the movements make them, against the batch's stored figures and its stored lines: each
  // difference, none when the ledger accounts for all the stock.
  virtual LedgerCheck verify() = 0;
};

}  // namespace allocation::service_layer
