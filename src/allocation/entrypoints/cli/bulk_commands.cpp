#include "allocation/entrypoints/cli/bulk_commands.hpp"

// The library copies file names with strncpy into fixed buffers, which GCC 12 warns of where
// it inlines them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "allocation/domain/errors.hpp"
#include "allocation/entrypoints/cli/csv_row.hpp"
#include "allocation/entrypoints/cli/progress.hpp"
#include "allocation/entrypoints/decoding.hpp"

namespace allocation::entrypoints {

namespace {

// Quoted fields ("a, b"), spaces and tabs around a field trimmed; a line longer than the
// reader's block (16 MiB) is an error of the whole file.
using CsvReader = io::CSVReader<6, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>>;

// The header's columns, in the order SPEC §7.5 gives them; a file may order them as it likes.
constexpr const char* kColumns[] = {"ref", "sku", "qty", "eta", "warehouse", "expires"};
// The header an export writes, and the one named when a file's is wrong.
constexpr std::string_view kBatchesHeader = "ref,sku,qty,eta,warehouse,expires";
constexpr const char* kRequiredColumns[] = {"ref", "sku", "qty"};

// How many lines `path` holds, for the progress: a quick pass before the import.
long long count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string block(1 << 16, '\0');
  long long lines = 0;
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    lines += std::count(block.data(), block.data() + in.gcount(), '\n');
  }
  return lines;
}

struct ImportCounts {
  long long rows = 0;
  long long added = 0;
  long long unchanged = 0;
  long long refused = 0;
};

// What is wrong with a row the CSV reader could not split, in words.
std::string unreadable_row(const io::error::base& error) {
  if (dynamic_cast<const io::error::too_few_columns*>(&error)) return "too few columns";
  if (dynamic_cast<const io::error::too_many_columns*>(&error)) return "too many columns";
  if (dynamic_cast<const io::error::escaped_string_not_closed*>(&error)) {
    return "a quoted field is not closed";
  }
  return error.what();
}

// Opens `path` and reads its header; throws std::runtime_error saying what is wrong with it.
std::unique_ptr<CsvReader> open_batches_file(const std::string& path) {
  try {
    auto reader = std::make_unique<CsvReader>(path);
    reader->read_header(io::ignore_missing_column, kColumns[0], kColumns[1], kColumns[2],
                        kColumns[3], kColumns[4], kColumns[5]);
    for (const char* column : kRequiredColumns) {
      if (!reader->has_column(column)) {
        throw std::runtime_error(path + ": the header has no column '" + column +
                                 "' (header: " + std::string(kBatchesHeader) + ")");
      }
    }
    return reader;
  } catch (const io::error::can_not_open_file& error) {
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(error.errno_value));
  } catch (const io::error::header_missing&) {
    throw std::runtime_error(path + ": empty; the first line must be the header " +
                             std::string(kBatchesHeader));
  } catch (const io::error::extra_column_in_header& error) {
    throw std::runtime_error(path + ": unknown column '" + error.column_name +
                             "' in the header (known: " + std::string(kBatchesHeader) + ")");
  } catch (const io::error::duplicated_column_in_header& error) {
    throw std::runtime_error(path + ": column '" + error.column_name + "' twice in the header");
  } catch (const io::error::base& error) {
    throw std::runtime_error(path + ": " + error.what());
  }
}

// `allocation import FILE.csv`: a CreateBatch per row, in the file's order, each in its own
// unit of work. A refused row is reported with its line and skipped. Exit 0 when every row is
// imported or was there already, 1 when any was refused (the others are imported).
int import_batches(bootstrap::Application& application, const std::string& path) {
  auto reader = open_batches_file(path);
  Progress progress(stderr, ::isatty(STDERR_FILENO), count_lines(path) - 1, "rows");
  ImportCounts counts;
  // The row just read is refused: FILE:LINE: why.
  const auto refuse = [&](std::string_view why) {
    ++counts.refused;
    progress.say(path + ":" + std::to_string(reader->get_file_line()) + ": " + std::string(why));
  };
  BatchRow row;
  for (;; progress.update(counts.rows)) {
    row = {};
    try {
      if (!reader->read_row(row.ref, row.sku, row.qty, row.eta, row.warehouse, row.expires)) break;
    } catch (const io::error::line_length_limit_exceeded& error) {
      throw std::runtime_error(path + ":" + std::to_string(error.file_line) +
                               ": line too long; import stopped");
    } catch (const io::error::base& error) {
      ++counts.rows;
      refuse(unreadable_row(error));
      continue;
    }
    ++counts.rows;
    try {
      if (application.bus().handle(decode_batch_row(row))) {
        ++counts.added;
      } else {
        ++counts.unchanged;
      }
    } catch (const BadRequest& error) {
      refuse(error.what());
    } catch (const domain::BatchConflict& error) {
      refuse(error.what());
    }
  }
  progress.finish(counts.rows);
  std::printf("%s: %lld rows: %lld batches added, %lld there already, %lld refused\n", path.c_str(),
              counts.rows, counts.added, counts.unchanged, counts.refused);
  return counts.refused == 0 ? 0 : 1;
}

// Rows of one page, read and written before the next is asked for: an export holds one page.
constexpr int kExportPage = 1000;

// Writes `header`, then every row `page(after, limit)` gives, each through `write_row`, page
// after page, to stdout. `key` is a row's id, where the next page starts.
template <class Page, class WriteRow, class Key>
int export_pages(std::string_view header, const Page& page, const WriteRow& write_row,
                 const Key& key) {
  std::string out(header);
  out += '\n';
  for (long long after = 0;;) {
    const auto rows = page(after, kExportPage);
    for (const auto& row : rows) write_row(out, row);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) break;
    out.clear();
    if (rows.size() < static_cast<std::size_t>(kExportPage)) break;
    after = key(rows.back());
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    throw std::runtime_error(std::string("cannot write the export: ") + std::strerror(errno));
  }
  return 0;
}

std::string date_text(const std::optional<domain::Date>& date) {
  return date ? domain::format_date(*date) : std::string();
}

int export_csv(bootstrap::Application& application, const std::string& kind) {
  auto& store = application.stock_export();
  if (kind == "batches") {
    return export_pages(
        kBatchesHeader, [&](long long after, int limit) { return store.batches(after, limit); },
        [](std::string& out, const service_layer::ExportedBatch& b) {
          append_csv_row(out, {b.ref, b.sku, std::to_string(b.qty), date_text(b.eta), b.warehouse,
                               date_text(b.expires)});
        },
        [](const service_layer::ExportedBatch& b) { return b.id; });
  }
  if (kind == "allocations") {
    return export_pages(
        "orderid,sku,line_qty,status,batchref,qty",
        [&](long long after, int limit) { return store.allocations(after, limit); },
        [](std::string& out, const service_layer::ExportedAllocation& a) {
          append_csv_row(out, {a.orderid, a.sku, std::to_string(a.line_qty),
                               service_layer::status_name(a.status), a.batchref.value_or(""),
                               std::to_string(a.qty)});
        },
        [](const service_layer::ExportedAllocation& a) { return a.id; });
  }
  return export_pages(
      "seq,at,sku,batchref,kind,qty,orderid,reservation,reason",
      [&](long long after, int limit) { return store.movements(after, limit); },
      [](std::string& out, const service_layer::StoredMovement& m) {
        append_csv_row(
            out, {std::to_string(m.seq), m.at, m.sku, m.batchref, m.kind, std::to_string(m.qty),
                  m.orderid.value_or(""), m.reservation.value_or(""), m.reason.value_or("")});
      },
      [](const service_layer::StoredMovement& m) { return m.seq; });
}

}  // namespace

void add_bulk_commands(const ServiceCommand& service_command) {
  auto path = std::make_shared<std::string>();
  auto* import = service_command(
      "import",
      "Add a batch per row of a CSV file (header ref,sku,qty,eta,warehouse,expires); rows there "
      "already are left as they are; exit 1 if any row is refused",
      [path](bootstrap::Application& application) { return import_batches(application, *path); });
  import->add_option("file", *path, "The CSV file")->required();

  auto kind = std::make_shared<std::string>();
  auto* exporting = service_command(
      "export", "Write batches, allocations or movements (the ledger) to stdout as CSV",
      [kind](bootstrap::Application& application) { return export_csv(application, *kind); });
  exporting->add_option("what", *kind, "batches, allocations or movements")
      ->required()
      ->check(CLI::IsMember({"batches", "allocations", "movements"}));
}

}  // namespace allocation::entrypoints
