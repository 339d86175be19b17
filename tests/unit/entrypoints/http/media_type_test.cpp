#include "allocation/entrypoints/http/media_type.hpp"

#include <gtest/gtest.h>

namespace allocation::entrypoints {
namespace {

TEST(JsonMediaType, WhatClientsSendForJsonIsJson) {
  for (const char* type :
       {"application/json", "application/json; charset=utf-8", "Application/JSON",
        "application/json;charset=\"UTF-8\"", "application/merge-patch+json", " application/json ",
        "application/json; version=2"}) {
    EXPECT_TRUE(is_json_media_type(type)) << type;
  }
}

TEST(JsonMediaType, AnythingElseIsNot) {
  for (const char* type :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "text/json", "application/jsonx", "application/json; charset=latin1", "json"}) {
    EXPECT_FALSE(is_json_media_type(type)) << type;
  }
}

}  // namespace
}  // namespace allocation::entrypoints
