#include "allocation/entrypoints/cli/bulk_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include "allocation/domain/errors.hpp"
#include "allocation/entrypoints/cli/batch_csv_reader.hpp"
#include "allocation/entrypoints/cli/csv_row.hpp"
#include "allocation/entrypoints/cli/progress.hpp"
#include "allocation/entrypoints/decoding.hpp"

namespace allocation::entrypoints {

namespace {

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

// `allocation import FILE.csv`: a CreateBatch per row, in the file's order, each in its own
// unit of work. A refused row is reported with its line and skipped. Exit 0 when every row is
// imported or was there already, 1 when any was refused (the others are imported).
int import_batches(bootstrap::Application& application, const std::string& path) {
  auto reader = BatchCsvReader::open_file(path);
  Progress progress(stderr, ::isatty(STDERR_FILENO), count_lines(path) - 1, "rows");
  ImportCounts counts;
  // The row just read is refused: FILE:LINE: why.
  const auto refuse = [&](std::string_view why) {
    ++counts.refused;
    progress.say(path + ":" + std::to_string(reader.line()) + ": " + std::string(why));
  };
  for (;; progress.update(counts.rows)) {
    const auto read = reader.next();
    if (!read) break;
    ++counts.rows;
    if (const auto* unreadable = std::get_if<UnreadableRow>(&*read)) {
      refuse(unreadable->why);
      continue;
    }
    try {
      if (application.bus().handle(decode_batch_row(std::get<BatchRow>(*read)))) {
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
