// `allocation import` and `allocation export` (SPEC §7.5) through the real binary.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

// A file of the test's own, removed at the end.
class CsvFile {
 public:
  explicit CsvFile(const std::string& text) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("allocation-import-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
             ".csv");
    std::ofstream(path_) << text;
  }
  ~CsvFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Bulk : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { SKIP_UNLESS_AVAILABLE(db); }

  RunResult with_db(std::vector<std::string> args) const {
    args.insert(args.end(), {"--db", db.url()});
    return run_allocation(args);
  }

  ScratchDatabase db{GetParam()};
};

const char* const kMixedFile =
    "ref,sku,qty,eta,warehouse,expires\n"
    "b1,LAMP,10,,,\n"
    "b2,LAMP,5,2026-12-31,north,2027-06-30\n"
    "b3,DESK,abc,,,\n"
    "b4,DESK,5,2026-02-30,,\n"
    "\"b,5\", RUG ,3,,,\n"
    "b6,RUG\n"
    "b1,DESK,10,,,\n";

TEST_P(Bulk, ImportAddsABatchPerRowAndReportsEachRefusedRowByItsLine) {
  const CsvFile file(kMixedFile);
  const auto imported = with_db({"import", file.path()});
  EXPECT_EQ(imported.exit_code, 1) << imported.err;
  EXPECT_EQ(imported.out, file.path() + ": 7 rows: 3 batches added, 0 there already, 4 refused\n");
  for (const std::string& refusal :
       {file.path() + ":4: column 'qty' must be a whole number from 0 to 2147483647\n",
        file.path() + ":5: column 'eta' must be a real date YYYY-MM-DD, or empty\n",
        file.path() + ":7: too few columns\n", file.path() + ":8: "}) {
    EXPECT_NE(imported.err.find(refusal), std::string::npos)
        << refusal << " not in " << imported.err;
  }
  EXPECT_NE(imported.err.find(":8: batch b1"), std::string::npos) << imported.err;

  const auto exported = with_db({"export", "batches"});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out,
            "ref,sku,qty,eta,warehouse,expires\n"
            "b1,LAMP,10,,main,\n"
            "b2,LAMP,5,2026-12-31,north,2027-06-30\n"
            "\"b,5\",RUG,3,,main,\n");
  expect_ledger_verified(db.url());
}

TEST_P(Bulk, ImportingTheSameFileAgainChangesNothing) {
  const CsvFile file(kMixedFile);
  (void)with_db({"import", file.path()});
  const auto before = with_db({"export", "movements"}).out;
  const auto again = with_db({"import", file.path()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, file.path() + ": 7 rows: 0 batches added, 3 there already, 4 refused\n");
  EXPECT_EQ(with_db({"export", "movements"}).out, before);

  const CsvFile clean("ref,sku,qty\nb1,LAMP,10\n");
  const auto unchanged = with_db({"import", clean.path()});
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.err;
  EXPECT_EQ(unchanged.out,
            clean.path() + ": 1 rows: 0 batches added, 1 there already, 0 refused\n");
}

TEST_P(Bulk, AFileThatIsNotABatchFileIsRefusedWhole) {
  const CsvFile no_qty("ref,sku\nb1,LAMP\n");
  const CsvFile unknown("ref,sku,qty,expiry\nb1,LAMP,1,2027-01-01\n");
  const CsvFile twice("ref,sku,qty,qty\nb1,LAMP,1,1\n");
  const CsvFile empty("");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {no_qty.path(), no_qty.path() + ": the header has no column 'qty'"},
      {unknown.path(), unknown.path() + ": unknown column 'expiry' in the header"},
      {twice.path(), twice.path() + ": column 'qty' twice in the header"},
      {empty.path(), empty.path() + ": empty; the first line must be the header"},
      {"/nonexistent/batches.csv",
       "cannot open /nonexistent/batches.csv: No such file or directory"},
  };
  for (const auto& [path, message] : cases) {
    const auto refused = with_db({"import", path});
    EXPECT_EQ(refused.exit_code, 1) << path;
    EXPECT_TRUE(refused.err.starts_with("allocation: " + message)) << refused.err;
    EXPECT_EQ(refused.out, "");
  }
  EXPECT_EQ(with_db({"export", "batches"}).out, "ref,sku,qty,eta,warehouse,expires\n");
}

TEST_P(Bulk, ExportStreamsPageAfterPageInTheOrderStoredAndImportsBack) {
  std::string text = "ref,sku,qty,eta,warehouse,expires\n";
  for (int i = 0; i < 2500; ++i) {
    text += "b" + std::to_string(i) + ",SKU-" + std::to_string(i % 7) + "," + std::to_string(i) +
            ",,,\n";
  }
  const CsvFile file(text);
  const auto imported = with_db({"import", file.path()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // Not a terminal: a plain line at each tenth.
  EXPECT_NE(imported.err.find("250 of about 2500 rows (10%)\n"), std::string::npos) << imported.err;
  EXPECT_NE(imported.err.find("(90%)\n"), std::string::npos) << imported.err;

  const auto exported = with_db({"export", "batches"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto lines = lines_of(exported.out);
  ASSERT_EQ(lines.size(), 2501u);
  EXPECT_EQ(lines[1], "b0,SKU-0,0,,main,");
  EXPECT_EQ(lines[1000], "b999,SKU-5,999,,main,");
  EXPECT_EQ(lines[1001], "b1000,SKU-6,1000,,main,");
  EXPECT_EQ(lines[2500], "b2499,SKU-0,2499,,main,");

  // What was exported is a batch file: another database imports it into the same batches.
  ScratchDatabase other(GetParam());
  const CsvFile again(exported.out);
  ASSERT_EQ(run_allocation({"import", again.path(), "--db", other.url()}).exit_code, 0);
  EXPECT_EQ(run_allocation({"export", "batches", "--db", other.url()}).out, exported.out);
}

TEST_P(Bulk, ExportWritesTheOrdersLinesAndTheLedger) {
  const CsvFile file("ref,sku,qty\nb1,LAMP,3\nb2,LAMP,3\n");
  ASSERT_EQ(with_db({"import", file.path()}).exit_code, 0);
  ASSERT_EQ(with_db({"allocate", "--orderid", "o1", "--sku", "LAMP", "--qty", "2"}).exit_code, 0);
  ASSERT_EQ(
      with_db({"allocate", "--orderid", "o2", "--sku", "LAMP", "--qty", "4", "--split"}).exit_code,
      0);
  ASSERT_EQ(with_db({"cancel", "o1"}).exit_code, 0);

  const auto allocations = with_db({"export", "allocations"});
  EXPECT_EQ(allocations.exit_code, 0) << allocations.err;
  const auto rows = lines_of(allocations.out);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], "orderid,sku,line_qty,status,batchref,qty");
  std::set<std::string> body(rows.begin() + 1, rows.end());
  EXPECT_TRUE(body.contains("o1,LAMP,2,cancelled,,2")) << allocations.out;
  // No batch could take 4: the line split, 1 from b1 and 3 from b2.
  EXPECT_TRUE(body.contains("o2,LAMP,4,allocated,b1,1")) << allocations.out;
  EXPECT_TRUE(body.contains("o2,LAMP,4,allocated,b2,3")) << allocations.out;

  const auto movements = lines_of(with_db({"export", "movements"}).out);
  ASSERT_EQ(movements.size(), 7u);  // the header, 2 received, allocated, 2 allocated, released
  EXPECT_EQ(movements[0], "seq,at,sku,batchref,kind,qty,orderid,reservation,reason");
  EXPECT_NE(movements[1].find(",LAMP,b1,received,3,,,"), std::string::npos) << movements[1];
  EXPECT_NE(movements[3].find(",LAMP,b1,allocated,-2,o1,,"), std::string::npos) << movements[3];
  EXPECT_NE(movements[6].find(",LAMP,b1,released,2,o1,,cancelled"), std::string::npos)
      << movements[6];
}

TEST_P(Bulk, ExportNamesWhatItCanWrite) {
  const auto bad = with_db({"export", "orders"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("orders not in {batches,allocations,movements}"), std::string::npos)
      << bad.err;
}

INSTANTIATE_FOR_BOTH_DATABASES(Bulk);

}  // namespace
}  // namespace allocation::testing
