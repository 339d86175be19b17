#include "allocation/bootstrap/build_info.hpp"

namespace allocation::bootstrap {

namespace {

#if defined(__clang__)
constexpr std::string_view kCompiler = "Clang " __clang_version__;
#elif defined(__GNUC__)
constexpr std::string_view kCompiler = "GCC " __VERSION__;
#else
constexpr std::string_view kCompiler = "unknown";
#endif

}  // namespace

BuildInfo build_info() { return {ALLOCATION_VERSION, kCompiler, ALLOCATION_BUILD_TYPE}; }

}  // namespace allocation::bootstrap
