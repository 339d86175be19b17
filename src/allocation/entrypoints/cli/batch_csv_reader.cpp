#include "allocation/entrypoints/cli/batch_csv_reader.hpp"

// The library copies file names with strncpy into fixed buffers, which GCC 12 warns of where
// it inlines them (clang, which builds the fuzzers, has no such warning).
#if defined(__clang__)
#include <libfccp/csv.h>
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop
#endif

#include <cstring>
#include <stdexcept>

namespace allocation::entrypoints {

namespace {

// Quoted fields ("a, b"), spaces and tabs around a field trimmed; a line longer than the
// reader's block (16 MiB) is an error of the whole file.
using CsvReader = io::CSVReader<6, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>>;

// The header's columns, in the order SPEC §7.5 gives them; a file may order them as it likes.
constexpr const char* kColumns[] = {"ref", "sku", "qty", "eta", "warehouse", "expires"};
constexpr const char* kRequiredColumns[] = {"ref", "sku", "qty"};

// What is wrong with a row the CSV reader could not split, in words.
std::string unreadable_row(const io::error::base& error) {
  if (dynamic_cast<const io::error::too_few_columns*>(&error)) return "too few columns";
  if (dynamic_cast<const io::error::too_many_columns*>(&error)) return "too many columns";
  if (dynamic_cast<const io::error::escaped_string_not_closed*>(&error)) {
    return "a quoted field is not closed";
  }
  return error.what();
}

// The reader `open` makes, its header read; throws std::runtime_error saying what is
// wrong with it, naming `name`.
template <class Open>
std::unique_ptr<CsvReader> opened_with_header(const std::string& name, const Open& open) {
  try {
    std::unique_ptr<CsvReader> reader = open();
    reader->read_header(io::ignore_missing_column, kColumns[0], kColumns[1], kColumns[2],
                        kColumns[3], kColumns[4], kColumns[5]);
    for (const char* column : kRequiredColumns) {
      if (!reader->has_column(column)) {
        throw std::runtime_error(name + ": the header has no column '" + column +
                                 "' (header: " + std::string(kBatchesHeader) + ")");
      }
    }
    return reader;
  } catch (const io::error::can_not_open_file& error) {
    throw std::runtime_error("cannot open " + name + ": " + std::strerror(error.errno_value));
  } catch (const io::error::header_missing&) {
    throw std::runtime_error(name + ": empty; the first line must be the header " +
                             std::string(kBatchesHeader));
  } catch (const io::error::extra_column_in_header& error) {
    throw std::runtime_error(name + ": unknown column '" + error.column_name +
                             "' in the header (known: " + std::string(kBatchesHeader) + ")");
  } catch (const io::error::duplicated_column_in_header& error) {
    throw std::runtime_error(name + ": column '" + error.column_name + "' twice in the header");
  } catch (const io::error::base& error) {
    throw std::runtime_error(name + ": " + error.what());
  }
}

}  // namespace

struct BatchCsvReader::Csv {
  std::unique_ptr<CsvReader> reader;
};

BatchCsvReader BatchCsvReader::open_file(const std::string& path) {
  BatchCsvReader opened(std::make_unique<Csv>(
      Csv{opened_with_header(path, [&] { return std::make_unique<CsvReader>(path); })}));
  opened.name_ = path;
  return opened;
}

BatchCsvReader BatchCsvReader::open_text(const std::string& name, std::string_view text) {
  BatchCsvReader opened(std::make_unique<Csv>(Csv{opened_with_header(name, [&] {
    return std::make_unique<CsvReader>(name, text.data(), text.data() + text.size());
  })}));
  opened.name_ = name;
  return opened;
}

BatchCsvReader::BatchCsvReader(std::unique_ptr<Csv> csv) : csv_(std::move(csv)) {}
BatchCsvReader::BatchCsvReader(BatchCsvReader&&) noexcept = default;
BatchCsvReader& BatchCsvReader::operator=(BatchCsvReader&&) noexcept = default;
BatchCsvReader::~BatchCsvReader() = default;

std::optional<std::variant<BatchRow, UnreadableRow>> BatchCsvReader::next() {
  // Each read starts from empty columns: the reader leaves those the header lacks as they are.
  BatchRow row;
  try {
    if (!csv_->reader->read_row(row.ref, row.sku, row.qty, row.eta, row.warehouse, row.expires)) {
      return std::nullopt;
    }
  } catch (const io::error::line_length_limit_exceeded& error) {
    throw std::runtime_error(name_ + ":" + std::to_string(error.file_line) +
                             ": line too long; import stopped");
  } catch (const io::error::base& error) {
    return UnreadableRow{unreadable_row(error)};
  }
  return row;
}

long long BatchCsvReader::line() const { return csv_->reader->get_file_line(); }

}  // namespace allocation::entrypoints
