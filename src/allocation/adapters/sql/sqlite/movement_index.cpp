#include "allocation/adapters/sql/sqlite/movement_index.hpp"

#include <optional>
#include <tuple>

namespace allocation::adapters::sql::movement_index {

long long Indexer::catch_up(Connection& connection) {
  // Two lookups: the state's one row, and the rowid table's last key.
  const auto [upto, batch_to, batch_sku, batch_seq, last] =
      connection
          .query<long long, long long, std::string, long long, long long>(
              "SELECT upto, batch_to, batch_sku, batch_seq,"
              " (SELECT COALESCE(MAX(seq), 0) FROM movements) FROM movement_index_state")
          .at(0);
  if (*batch_to <= *upto) {  // no batch under way: begin one once the backlog is long enough
    const long long backlog = *last - *upto;
    if (backlog <= 0 || backlog < backlog_) return 0;
    read_batch(connection, *upto, *last, std::nullopt);
  } else {
    const std::optional<Entry> written =
        batch_sku && batch_seq ? std::optional<Entry>(Entry{*batch_sku, *batch_seq}) : std::nullopt;
    const bool as_left =
        batch_to_ == *batch_to && (next_ == 0 ? !written : written == entries_[next_ - 1]);
    // Not the batch as this writer left it (another writer went on with it, or this one's
    // group rolled back): read what is left of it.
    if (!as_left) read_batch(connection, *upto, *batch_to, written);
  }
  return write_slice(connection);
}

void Indexer::read_batch(Connection& connection, long long upto, long long to,
                         const std::optional<Entry>& after) {
  batch_to_ = to;
  next_ = 0;
  entries_.clear();
  const std::optional<std::string> sku = after ? std::optional(after->sku) : std::nullopt;
  const std::optional<long long> seq = after ? std::optional(after->seq) : std::nullopt;
  for (auto& [row_sku, row_seq] : connection.query<std::string, long long>(
           "SELECT sku, seq FROM movements WHERE seq > :upto AND seq <= :to"
           " AND (:after IS NULL OR sku > :sku OR (sku = :same AND seq > :seq))"
           " ORDER BY sku, seq",
           upto, to, sku, sku, sku, seq)) {
    entries_.push_back({std::move(*row_sku), *row_seq});
  }
}

long long Indexer::write_slice(Connection& connection) {
  const std::size_t end = std::min(entries_.size(), next_ + static_cast<std::size_t>(slice_));
  for (std::size_t i = next_; i < end; ++i) {
    connection.execute("INSERT INTO movement_index (sku, seq) VALUES (:sku, :seq)", entries_[i].sku,
                       entries_[i].seq);
  }
  const long long written = static_cast<long long>(end - next_);
  if (end == entries_.size()) {  // the batch is entered whole
    connection.execute(
        "UPDATE movement_index_state SET upto = :to, batch_to = 0, batch_sku = NULL,"
        " batch_seq = NULL",
        batch_to_);
    batch_to_ = 0;
    entries_.clear();
    next_ = 0;
  } else {
    connection.execute(
        "UPDATE movement_index_state SET batch_to = :to, batch_sku = :sku, batch_seq = :seq",
        batch_to_, entries_[end - 1].sku, entries_[end - 1].seq);
    next_ = end;
  }
  return written;
}

}  // namespace allocation::adapters::sql::movement_index
