#include "allocation/entrypoints/cli/progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace allocation::entrypoints {
namespace {

// What a Progress wrote into a memory stream.
class Written {
 public:
  Written() : file_(open_memstream(&buffer_, &size_)) {}
  ~Written() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() const { return file_; }
  std::string text() const {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

TEST(Progress, ElsewhereThanATerminalSaysALineAtEachTenth) {
  Written out;
  Progress progress(out.file(), /*terminal=*/false, 100, "rows");
  for (int done = 1; done <= 100; ++done) progress.update(done);
  progress.finish(100);
  std::string expected;
  for (int tenth = 1; tenth <= 9; ++tenth) {
    expected +=
        std::to_string(tenth * 10) + " of about 100 rows (" + std::to_string(tenth * 10) + "%)\n";
  }
  EXPECT_EQ(out.text(), expected);
}

TEST(Progress, ElsewhereThanATerminalMessagesAreLinesOfTheirOwn) {
  Written out;
  Progress progress(out.file(), false, 10, "rows");
  progress.say("f.csv:3: too few columns");
  progress.update(5);
  EXPECT_EQ(out.text(), "f.csv:3: too few columns\n5 of about 10 rows (50%)\n");
}

TEST(Progress, OnATerminalDrawsABarInPlaceAndClearsItForAMessage) {
  Written out;
  Progress progress(out.file(), /*terminal=*/true, 4, "rows");
  progress.update(1);
  progress.say("f.csv:3: too few columns");
  progress.finish(4);
  const std::string text = out.text();
  EXPECT_TRUE(text.starts_with("\r[#######.......................]  25% 1 of about 4 rows, "))
      << text;
  EXPECT_NE(text.find("\r\x1b[Kf.csv:3: too few columns\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\r[##############################] 100% 4 of about 4 rows, "),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with("\x1b[K\n")) << text;
}

TEST(Progress, AnEmptyFileIsNotADivisionByZero) {
  Written out;
  Progress progress(out.file(), true, 0, "rows");
  progress.finish(0);
  EXPECT_NE(out.text().find("100% 0 of about 0 rows"), std::string::npos) << out.text();
}

}  // namespace
}  // namespace allocation::entrypoints
