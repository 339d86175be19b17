#include "allocation/entrypoints/http/media_type.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace allocation::entrypoints {

namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

// Every parameter after the media type is allowed but a charset other than UTF-8.
bool parameters_allowed(std::string_view parameters) {
  while (!parameters.empty()) {
    const auto end = parameters.find(';');
    const auto parameter = trim(parameters.substr(0, end));
    parameters = end == std::string_view::npos ? "" : parameters.substr(end + 1);
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (lower(trim(parameter.substr(0, equals))) != "charset") continue;
    auto value = trim(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (lower(value) != "utf-8") return false;
  }
  return true;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  const std::string type = lower(trim(content_type.substr(0, semicolon)));
  const bool json =
      type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"));
  return json && (semicolon == std::string_view::npos ||
                  parameters_allowed(content_type.substr(semicolon + 1)));
}

}  // namespace allocation::entrypoints
