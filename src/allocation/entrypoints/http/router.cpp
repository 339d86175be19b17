#include "allocation/entrypoints/http/router.hpp"

#include <stdexcept>

namespace allocation::entrypoints {

std::optional<std::vector<std::string>> decoded_segments(std::string_view raw_path) {
  if (!raw_path.starts_with('/')) return std::nullopt;
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (true) {
    const std::size_t end = raw_path.find('/', start);
    // '+' is a space in a query, not in a path.
    segments.push_back(
        httplib::detail::decode_url(std::string(raw_path.substr(start, end - start)), false));
    if (end == std::string_view::npos) return segments;
    start = end + 1;
  }
}

PathTemplate::PathTemplate(std::string_view text) : text_(text) {
  const auto segments = decoded_segments(text);
  if (!segments) throw std::invalid_argument("a path template starts with '/': " + text_);
  for (auto& segment : *segments) {
    const bool parameter = segment.starts_with('{') && segment.ends_with('}');
    segments_.push_back({std::move(segment), parameter});
  }
}

std::optional<std::vector<std::string>> PathTemplate::match(
    const std::vector<std::string>& segments) const {
  if (segments.size() != segments_.size()) return std::nullopt;
  std::vector<std::string> parameters;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i].parameter) {
      if (segments[i].empty()) return std::nullopt;
      parameters.push_back(segments[i]);
    } else if (segments[i] != segments_[i].text) {
      return std::nullopt;
    }
  }
  return parameters;
}

const RouteHandler* Route::handler(std::string_view method) const {
  const auto found = methods.find(method == "HEAD" ? "GET" : method);
  return found == methods.end() ? nullptr : &found->second;
}

std::string Route::allow() const {
  std::string allowed;
  for (const auto& [method, handler] : methods) allowed += (allowed.empty() ? "" : ", ") + method;
  return allowed;
}

void Router::add(std::string_view path, std::string method, RouteHandler handler) {
  for (auto& route : routes_) {
    if (route.path.text() == path) {
      route.methods.emplace(std::move(method), std::move(handler));
      return;
    }
  }
  routes_.push_back({PathTemplate(path), {}});
  routes_.back().methods.emplace(std::move(method), std::move(handler));
}

std::optional<Router::Match> Router::match(std::string_view raw_path) const {
  const auto segments = decoded_segments(raw_path);
  if (!segments) return std::nullopt;
  for (const auto& route : routes_) {
    if (auto parameters = route.path.match(*segments)) return Match{route, std::move(*parameters)};
  }
  return std::nullopt;
}

}  // namespace allocation::entrypoints
