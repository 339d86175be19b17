#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "allocation/entrypoints/decoding.hpp"

namespace allocation::entrypoints {

// The header an export of batches writes, and the one named when a file's is wrong.
inline constexpr std::string_view kBatchesHeader = "ref,sku,qty,eta,warehouse,expires";

// A row the reader could not split into its columns: why, in words.
struct UnreadableRow {
  std::string why;
  friend bool operator==(const UnreadableRow&, const UnreadableRow&) = default;
};

// Reads a batch file of `allocation import` (SPEC §7.5) a row at a time, so that a file of any
// length is never held whole: a header naming the columns ref, sku and qty, and any of eta,
// warehouse and expires, in any order; then a row per line, quoted as RFC 4180 says (a quoted
// field does not span lines), spaces and tabs around a field trimmed.
class BatchCsvReader {
 public:
  // Opens the file and reads its header; throws std::runtime_error saying what is wrong with
  // either, naming `path`.
  static BatchCsvReader open_file(const std::string& path);
  // The same over `text` in memory, which must outlive the reader; `name` names it in messages.
  // The fuzzer's way in: it reads no file.
  static BatchCsvReader open_text(const std::string& name, std::string_view text);

  BatchCsvReader(BatchCsvReader&&) noexcept;
  BatchCsvReader& operator=(BatchCsvReader&&) noexcept;
  ~BatchCsvReader();

  // The next row's columns (each empty where the row leaves it empty or the header has no such
  // column), or why it cannot be split; nullopt after the last row. Throws std::runtime_error
  // when a line is longer than the reader's block (16 MiB): nothing after it can be read.
  std::optional<std::variant<BatchRow, UnreadableRow>> next();

  // The line of the file the last row came from (the header is line 1).
  long long line() const;

 private:
  struct Csv;
  explicit BatchCsvReader(std::unique_ptr<Csv> csv);

  std::string name_;
  std::unique_ptr<Csv> csv_;
};

}  // namespace allocation::entrypoints
