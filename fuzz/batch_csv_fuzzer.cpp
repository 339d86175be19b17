// Any bytes as a batch file of `allocation import` (BatchCsvReader), each row it reads decoded
// by decode_batch_row; and the input's first six lines as the columns of a row an export writes
// (append_csv_row), which the import must read back as they were.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "allocation/domain/date.hpp"
#include "allocation/entrypoints/cli/batch_csv_reader.hpp"
#include "allocation/entrypoints/cli/csv_row.hpp"
#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;
using entrypoints::BatchRow;
using entrypoints::UnreadableRow;

namespace {

using Rows = std::vector<std::variant<BatchRow, UnreadableRow>>;

// Every row of `text`, or nullopt when the reader refuses its header. The reader throws nothing
// else (an exception escaping here is a crash), and every row comes from a later line: reading
// ends.
std::optional<Rows> read_all(std::string_view text) {
  try {
    auto reader = entrypoints::BatchCsvReader::open_text("fuzz.csv", text);
    Rows rows;
    for (long long line = reader.line(); auto row = reader.next(); line = reader.line()) {
      require(reader.line() > line);
      rows.push_back(std::move(*row));
    }
    return rows;
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

// A file of the header an export writes and `rows`, written as the export writes them.
std::string exported(const std::vector<BatchRow>& rows) {
  std::string text(entrypoints::kBatchesHeader);
  text += '\n';
  for (const auto& r : rows) {
    entrypoints::append_csv_row(text, {r.ref, r.sku, r.qty, r.eta, r.warehouse, r.expires});
  }
  return text;
}

// Written as an export writes them, `rows` are read back as they were.
void require_read_back(const std::vector<BatchRow>& rows) {
  const std::string text = exported(rows);
  const auto read = read_all(text);
  require(read.has_value() && read->size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto* row = std::get_if<BatchRow>(&(*read)[i]);
    require(row != nullptr && *row == rows[i]);
  }
}

bool is_empty_or_date(const std::string& text) { return text.empty() || is_date(text); }

// decode_batch_row accepts exactly the rows SPEC §7.5 allows (ref and sku identifiers, qty a
// whole number 0..2147483647, eta and expires a date or empty, warehouse an identifier or
// empty), and its batch is what the row says.
void require_decoded_as_documented(const BatchRow& row) {
  const auto qty = whole_number_in(row.qty, 0, std::numeric_limits<int>::max());
  const bool valid = is_identifier(row.ref) && is_identifier(row.sku) && qty &&
                     is_empty_or_date(row.eta) && is_empty_or_date(row.expires) &&
                     (row.warehouse.empty() || is_identifier(row.warehouse));
  const auto batch = decoded_or_refused([&] { return entrypoints::decode_batch_row(row); });
  require(batch.has_value() == valid);
  if (!batch) return;
  const auto date_text = [](const std::optional<domain::Date>& date) {
    return date ? domain::format_date(*date) : std::string();
  };
  require(batch->ref == row.ref && batch->sku == row.sku && batch->qty == *qty &&
          date_text(batch->eta) == row.eta && date_text(batch->expires) == row.expires &&
          batch->warehouse ==
              (row.warehouse.empty() ? std::string(domain::kDefaultWarehouse) : row.warehouse));
}

// The first six lines of `input` (empty where it has fewer) as the columns of a row.
BatchRow columns_of(std::string_view input) {
  std::string columns[6];
  for (auto& column : columns) {
    const auto end = input.find('\n');
    column = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  }
  return {columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]};
}

// What an export can hold: identifiers, whole numbers and dates hold no control character.
bool exportable(const BatchRow& row) {
  for (const std::string* column :
       {&row.ref, &row.sku, &row.qty, &row.eta, &row.warehouse, &row.expires}) {
    for (char c : *column) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Each reader costs a 48 MiB buffer (the library's), which ASan poisons when it is freed:
  // what was read and the six columns are written and read back in one file.
  std::vector<BatchRow> written;
  if (const auto rows = read_all(input)) {
    for (const auto& row : *rows) {
      if (const auto* columns = std::get_if<BatchRow>(&row)) {
        require_decoded_as_documented(*columns);
        // What the import read, an export of the same columns writes so that it reads the same.
        written.push_back(*columns);
      }
    }
  }
  const BatchRow columns = columns_of(input);
  if (exportable(columns)) {
    require_decoded_as_documented(columns);
    written.push_back(columns);
  }
  if (!written.empty()) require_read_back(written);
  return 0;
}
