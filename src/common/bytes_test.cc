// Copyright iotsec authors.
#include "iotsec/common/bytes.h"

#include <gtest/gtest.h>

namespace iotsec {
namespace {

TEST(HexTest, RoundTrip) {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "0001abff");
  auto d = HexDecode("0001ABff");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, b);
}

TEST(HexTest, RejectsOddLength) {
  auto d = HexDecode("abc");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HexTest, RejectsNonHexAndNamesPosition) {
  auto d = HexDecode("00zz");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(d.error().message().find("position 2"), std::string::npos);
  EXPECT_FALSE(HexDecode("0x00").has_value());
  EXPECT_FALSE(HexDecode("00 ").has_value());
}

TEST(HexTest, ExactLength) {
  EXPECT_TRUE(HexDecodeExact("0011", 2, "x").has_value());
  auto d = HexDecodeExact("0011", 3, "KPAK");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(d.error().message().find("KPAK must be 3 octets, got 2"), std::string::npos);
}

TEST(ResultTest, TryPropagates) {
  auto f = [](bool ok) -> Result<int> {
    if (!ok) {
      return Fail(ErrorCode::kNotFound, "nope");
    }
    return 7;
  };
  auto g = [&](bool ok) -> Result<int> {
    IOTSEC_TRY(v, f(ok));
    return v + 1;
  };
  EXPECT_EQ(*g(true), 8);
  ASSERT_FALSE(g(false).has_value());
  EXPECT_EQ(g(false).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(g(false).error().ToString(), "not_found: nope");
}

}  // namespace
}  // namespace iotsec
