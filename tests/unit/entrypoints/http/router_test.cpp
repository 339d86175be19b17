#include "allocation/entrypoints/http/router.hpp"

#include <gtest/gtest.h>

namespace allocation::entrypoints {
namespace {

using Parameters = std::optional<std::vector<std::string>>;

Parameters match(const char* pattern, std::string_view raw_path) {
  const auto segments = decoded_segments(raw_path);
  if (!segments) return std::nullopt;
  return PathTemplate(pattern).match(*segments);
}

TEST(DecodedSegments, EachSegmentIsDecodedOnItsOwn) {
  EXPECT_EQ(decoded_segments("/allocations/a%2Fb"),
            (std::vector<std::string>{"allocations", "a/b"}));
  EXPECT_EQ(decoded_segments("/x/a%20b+c/%C3%A9/%25"),
            (std::vector<std::string>{"x", "a b+c", "\xC3\xA9", "%"}));
  EXPECT_EQ(decoded_segments("/"), (std::vector<std::string>{""}));
  EXPECT_EQ(decoded_segments("allocations"), std::nullopt);
}

TEST(PathTemplate, AnEncodedSlashStaysInItsParameter) {
  EXPECT_EQ(match("/allocations/{orderid}", "/allocations/a%2Fb"),
            (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(match("/allocations/{orderid}", "/allocations/a/b"), std::nullopt);
}

TEST(PathTemplate, LiteralsMatchOnceDecodedAndParametersAreNeverEmpty) {
  EXPECT_EQ(match("/add_batch", "/add%5Fbatch"), (std::vector<std::string>{}));
  EXPECT_EQ(match("/add_batch", "/add_batch/"), std::nullopt);
  EXPECT_EQ(match("/products/{sku}", "/products/"), std::nullopt);
  EXPECT_EQ(match("/products/{sku}", "/products"), std::nullopt);
  EXPECT_EQ(match("/products/{sku}/movements", "/products/LAMP/movements"),
            (std::vector<std::string>{"LAMP"}));
  EXPECT_EQ(match("/products/{sku}/movements", "/products/LAMP/other"), std::nullopt);
}

TEST(Router, FindsTheRouteAndSaysWhichMethodsItAnswers) {
  Router router;
  router.add("/health", "GET", [](const Call&, httplib::Response&) {});
  router.add("/orders/{orderid}", "GET", [](const Call&, httplib::Response&) {});
  router.add("/orders/{orderid}", "DELETE", [](const Call&, httplib::Response&) {});
  const auto found = router.match("/orders/o%201");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->route.path.text(), "/orders/{orderid}");
  EXPECT_EQ(found->parameters, (std::vector<std::string>{"o 1"}));
  EXPECT_EQ(found->route.allow(), "DELETE, GET");
  EXPECT_NE(found->route.handler("HEAD"), nullptr) << "HEAD is answered as GET";
  EXPECT_EQ(found->route.handler("POST"), nullptr);
  EXPECT_FALSE(router.match("/nowhere"));
}

}  // namespace
}  // namespace allocation::entrypoints
