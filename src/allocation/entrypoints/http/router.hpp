#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allocation::entrypoints {

// The '/'-separated segments of a path as sent (without its query), each percent-decoded on
// its own: an id holding '/' (sent as %2F) stays one segment. cpp-httplib routes on the
// decoded path, where such an id would be split in two. None unless it starts with '/'.
std::optional<std::vector<std::string>> decoded_segments(std::string_view raw_path);

// A route's path, e.g. "/allocations/{orderid}": literal segments and named parameters.
class PathTemplate {
 public:
  explicit PathTemplate(std::string_view text);

  // The parameters, in the template's order, when the path of `segments` matches: as many
  // segments, each literal equal, each parameter non-empty.
  std::optional<std::vector<std::string>> match(const std::vector<std::string>& segments) const;

  const std::string& text() const { return text_; }

 private:
  struct Segment {
    std::string text;
    bool parameter;
  };
  std::string text_;
  std::vector<Segment> segments_;
};

// What a route's handler is given.
struct Call {
  const httplib::Request& request;
  const std::vector<std::string>& parameters;  // decoded, in the path template's order
  const std::string& body;                     // empty when the request has none
};
using RouteHandler = std::function<void(const Call&, httplib::Response&)>;

// One path and the handler of each method it answers.
struct Route {
  PathTemplate path;
  std::map<std::string, RouteHandler, std::less<>> methods;

  // The handler of `method` (HEAD is answered as GET), or null.
  const RouteHandler* handler(std::string_view method) const;
  // The methods answered, for the Allow header of a 405: "GET" or "GET, POST".
  std::string allow() const;
};

// The routes, tried in the order added.
class Router {
 public:
  void add(std::string_view path, std::string method, RouteHandler handler);

  struct Match {
    const Route& route;
    std::vector<std::string> parameters;
  };
  std::optional<Match> match(std::string_view raw_path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace allocation::entrypoints
