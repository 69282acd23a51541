// Copyright iotsec authors.
#include "iotsec/common/bytes.h"

#include <gtest/gtest.h>

#include <cctype>

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

TEST(HexTest, ConstantTimeForms) {
  Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<uint8_t>(i);
  }
  std::string hex(512, '\0');
  ASSERT_TRUE(HexEncodeTo(all, std::span<uint8_t>(reinterpret_cast<uint8_t*>(hex.data()), 512)));
  EXPECT_EQ(hex, HexEncode(all));
  Bytes back(256);
  ASSERT_TRUE(HexDecodeTo(hex, back, "x").has_value());
  EXPECT_EQ(back, all);
  Bytes up(256);
  std::string upper = hex;
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(c));
  }
  ASSERT_TRUE(HexDecodeTo(upper, up, "x").has_value());
  EXPECT_EQ(up, all);
  // Every non-hex octet is refused, and the output is zeroed.
  for (int c = 0; c < 256; ++c) {
    if (std::isxdigit(c)) {
      continue;
    }
    Bytes one(1, 0x55);
    std::string bad = "a";
    bad += static_cast<char>(c);
    auto st = HexDecodeTo(bad, one, "SSK");
    ASSERT_FALSE(st.has_value()) << c;
    EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(one[0], 0);
  }
  Bytes two(2);
  EXPECT_FALSE(HexDecodeTo("abc", two, "x").has_value());
  EXPECT_FALSE(HexEncodeTo(all, two));
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
