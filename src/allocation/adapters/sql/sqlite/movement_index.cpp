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
  const std::optional<Entry> written =
      batch_sku && batch_seq ? std::optional<Entry>(Entry{*batch_sku, *batch_seq}) : std::nullopt;
  if (*batch_to <= *upto) {  // no batch under way
    const long long backlog = *last - *upto;
    if (backlog <= 0 || backlog < backlog_) return 0;
    batch_to_ = *last;
    next_ = 0;
    entries_.clear();
  } else if (batch_to_ != *batch_to ||
             (next_ == 0 ? written.has_value() : written != entries_[next_ - 1])) {
    // Not the batch as this writer left it: read what is left of it.
    batch_to_ = *batch_to;
    next_ = 0;
    entries_.clear();
  } else {
    return write_slice(connection, *upto);
  }
  for (auto& [sku, seq] : connection.query<std::string, long long>(
           "SELECT sku, seq FROM movements WHERE seq > :upto AND seq <= :to"
           " AND (:written IS NULL OR sku > :sku OR (sku = :same AND seq > :seq))"
           " ORDER BY sku, seq",
           *upto, batch_to_, batch_sku, batch_sku, batch_sku, batch_seq)) {
    entries_.push_back({std::move(*sku), *seq});
  }
  return write_slice(connection, *upto);
}

long long Indexer::write_slice(Connection& connection, long long upto) {
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
        std::max(batch_to_, upto));
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

long long catch_up(Connection& connection, long long at_least, long long slice) {
  return Indexer(at_least, slice).catch_up(connection);
}

}  // namespace allocation::adapters::sql::movement_index
