// Copyright iotsec authors.
#include "flat_json.h"

#include <gtest/gtest.h>

namespace iotsec::kms {
namespace {

TEST(FlatJsonTest, ParsesMembersInOrder) {
  auto r = ParseFlatJsonObject(" {\"a\": \"1\",\n\t\"b\":\"xy\"}\r\n");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].key, "a");
  EXPECT_EQ((*r)[1].value, "xy");
  auto empty = ParseFlatJsonObject("{}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(FlatJsonTest, RefusesWhatIsNotFlatStrictJson) {
  for (const char* bad : {
           "",                            // nothing
           "[]",                          // not an object
           "{\"a\": 1}",                  // number value
           "{\"a\": \"\\u0041\"}",        // escape
           "{\"a\": \"x\", \"a\": \"y\"}",  // duplicate key
           "{\"a\": \"x\"} {}",           // trailing data
           "{\"a\": \"x\",}",             // trailing comma
           "{\"a\" \"x\"}",               // missing colon
           "{\"a\": \"x\"",               // unterminated object
           "{\"a\": \"x",                 // unterminated string
           "{\"a\": \"\x01\"}",           // control character
           "{\"a\": \"\xc3\xa9\"}",       // non-ASCII
       }) {
    auto r = ParseFlatJsonObject(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(FlatJsonTest, BoundsMembers) {
  std::string s = "{";
  for (int i = 0; i < 17; ++i) {
    s += (i ? ", " : "") + std::string("\"k") + std::to_string(i) + "\": \"v\"";
  }
  s += "}";
  EXPECT_FALSE(ParseFlatJsonObject(s).has_value());
}

TEST(FlatJsonTest, ExpectFields) {
  auto r = ParseFlatJsonObject("{\"b\": \"2\", \"a\": \"1\"}");
  ASSERT_TRUE(r.has_value());
  auto v = ExpectFields(*r, {"a", "b"});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)[0], "1");
  EXPECT_EQ((*v)[1], "2");
  auto missing = ExpectFields(*r, {"a", "b", "c"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("missing field \"c\""), std::string::npos);
  auto extra = ExpectFields(*r, {"a"});
  ASSERT_FALSE(extra.has_value());
  EXPECT_NE(extra.error().message().find("unexpected field \"b\""), std::string::npos);
}

}  // namespace
}  // namespace iotsec::kms
