#include "support/temp_folder.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace allocation::testing {

TempFolder::TempFolder(std::string_view prefix) : path_("/tmp/" + std::string(prefix) + "-XXXXXX") {
  if (!::mkdtemp(path_.data())) throw std::runtime_error("cannot create " + path_);
}

TempFolder::~TempFolder() { remove(); }

TempFolder::TempFolder(TempFolder&& other) noexcept
    : path_(std::exchange(other.path_, {})), kept_(other.kept_) {}

TempFolder& TempFolder::operator=(TempFolder&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
    kept_ = other.kept_;
  }
  return *this;
}

std::string TempFolder::file(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

void TempFolder::remove() noexcept {
  if (path_.empty() || kept_) return;
  std::error_code ignored;  // a folder that cannot be removed is left; the test's answer stands
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace allocation::testing
