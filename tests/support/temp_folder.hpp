#pragma once

#include <string>
#include <string_view>

namespace allocation::testing {

// A folder of its own under /tmp for the files of one test or child process, removed with all
// it holds when its owner ends, unless kept (a failed run's evidence).
class TempFolder {
 public:
  explicit TempFolder(std::string_view prefix);  // /tmp/PREFIX-XXXXXX
  ~TempFolder();
  TempFolder(TempFolder&& other) noexcept;
  TempFolder& operator=(TempFolder&& other) noexcept;
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const;
  // Leaves the folder on disk when its owner ends.
  void keep() { kept_ = true; }

 private:
  void remove() noexcept;

  std::string path_;
  bool kept_ = false;
};

}  // namespace allocation::testing
