// Copyright iotsec authors.
#include "iotsec/cose/cbor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace iotsec::cose::cbor {
namespace {

Bytes Hex(std::string_view h) {
  auto b = HexDecode(h);
  EXPECT_TRUE(b.has_value()) << h;
  return b.value_or(Bytes{});
}

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(' ');
  size_t b = s.find_last_not_of(' ');
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// ExpectReject asserts that |hex| fails to decode with kInvalidArgument and a message that
// contains |what|.
void ExpectReject(std::string_view hex, std::string_view what, const DecodeLimits& limits = {}) {
  auto v = Decode(Hex(hex), limits);
  ASSERT_FALSE(v.has_value()) << hex << " decoded as " << ToDiagnostic(*v);
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument) << hex;
  EXPECT_NE(v.error().message().find(what), std::string::npos)
      << hex << ": message \"" << v.error().message() << "\" lacks \"" << what << "\"";
}

void ExpectRoundTrip(std::string_view hex, std::string_view diag) {
  Bytes in = Hex(hex);
  auto v = Decode(in);
  ASSERT_TRUE(v.has_value()) << hex << ": " << v.error().ToString();
  EXPECT_EQ(ToDiagnostic(*v), diag) << hex;
  auto out = Encode(*v);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(HexEncode(*out), HexEncode(in));
}

TEST(CborAppendixA, EveryExampleRoundTripsOrIsRejected) {
  std::ifstream f(std::string(IOTSEC_SOURCE_DIR) + "/src/cose/testdata/rfc8949_appendix_a.txt");
  ASSERT_TRUE(f.is_open());
  std::string line;
  int roundtrips = 0;
  int rejects = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    size_t p1 = line.find(" | ");
    size_t p2 = line.find(" | ", p1 + 3);
    ASSERT_NE(p2, std::string::npos) << line;
    std::string hex = Trim(line.substr(0, p1));
    std::string kind = Trim(line.substr(p1 + 3, p2 - p1 - 3));
    std::string rest = line.substr(p2 + 3);
    SCOPED_TRACE(line);
    if (kind == "roundtrip") {
      ExpectRoundTrip(hex, rest);
      ++roundtrips;
    } else {
      ASSERT_EQ(kind, "reject");
      ExpectReject(hex, rest);
      ++rejects;
    }
  }
  EXPECT_EQ(roundtrips, 44);
  EXPECT_EQ(rejects, 37);
}

TEST(CborDecode, IntegersAtTheEdgesOfEachWidth) {
  ExpectRoundTrip("17", "23");
  ExpectRoundTrip("1818", "24");
  ExpectRoundTrip("18ff", "255");
  ExpectRoundTrip("190100", "256");
  ExpectRoundTrip("19ffff", "65535");
  ExpectRoundTrip("1a00010000", "65536");
  ExpectRoundTrip("1affffffff", "4294967295");
  ExpectRoundTrip("1b0000000100000000", "4294967296");
  ExpectRoundTrip("37", "-24");
  ExpectRoundTrip("3818", "-25");
  ExpectRoundTrip("3b7fffffffffffffff", "-9223372036854775808");
  ExpectRoundTrip("3b8000000000000000", "-9223372036854775809");
}

TEST(CborDecode, RejectsNonShortestHeads) {
  ExpectReject("1817", "non-shortest head");
  ExpectReject("1900ff", "non-shortest head");
  ExpectReject("1a0000ffff", "non-shortest head");
  ExpectReject("1b00000000ffffffff", "non-shortest head");
  ExpectReject("3800", "non-shortest head");
  ExpectReject("580161", "non-shortest head");    // 1-octet bstr with a 1-octet length
  ExpectReject("79000161", "non-shortest head");  // text length in two octets
  ExpectReject("9800", "non-shortest head");      // empty array
  ExpectReject("b800", "non-shortest head");      // empty map
  ExpectReject("d80100", "non-shortest head");    // tag 1 in the one-octet form
  ExpectReject("d9001201", "non-shortest head");  // tag 18 in two octets
}

TEST(CborDecode, CoseTagsInOneOctetForm) {
  // libcbor mis-handles one-byte tags 16-18 (ARCHITECTURE.md §8); these are COSE's tags.
  ExpectRoundTrip("d08100", "16([0])");
  ExpectRoundTrip("d18100", "17([0])");
  ExpectRoundTrip("d28100", "18([0])");
  ExpectRoundTrip("d8628100", "98([0])");
  auto v = Decode(Hex("d28100"));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v->tag_number(), 18u);
}

TEST(CborDecode, RejectsIndefiniteLengthsAndBreaks) {
  ExpectReject("5fff", "indefinite-length byte string");
  ExpectReject("7fff", "indefinite-length text string");
  ExpectReject("9fff", "indefinite-length array");
  ExpectReject("bfff", "indefinite-length map");
  ExpectReject("ff", "break outside");
  ExpectReject("81ff", "break outside");
  ExpectReject("1f", "not well-formed");
  ExpectReject("3f", "not well-formed");
  ExpectReject("df00", "not well-formed");
}

TEST(CborDecode, RejectsReservedAdditionalInformation) {
  for (const char* h : {"1c", "1d", "1e", "3c", "5c", "7d", "9e", "bc", "dc"}) {
    ExpectReject(h, "reserved additional information");
  }
  ExpectReject("fc", "reserved additional information 28");
  ExpectReject("fe", "reserved additional information 30");
}

TEST(CborDecode, RejectsUnsupportedMajorSevenValues) {
  ExpectReject("f7", "undefined");
  ExpectReject("e0", "unsupported simple value 0");
  ExpectReject("f3", "unsupported simple value 19");
  ExpectReject("f818", "not well-formed");  // simple(24), RFC 8949 §3.3
  ExpectReject("f81f", "not well-formed");
  ExpectReject("f820", "unsupported simple value 32");
  ExpectReject("f93c00", "floating-point");
  ExpectReject("fa47c35000", "floating-point");
  ExpectReject("fb3ff199999999999a", "floating-point");
}

TEST(CborDecode, RejectsUnsortedAndDuplicateMapKeys) {
  ExpectReject("a203040102", "not in deterministic order");
  ExpectReject("a201020103", "duplicate map key 1");
  ExpectReject("a2616101616102", "duplicate map key \"a\"");
  ExpectReject("a2a000a000", "duplicate map key {}");
}

TEST(CborDecode, MapKeyOrderIsBytewiseOnTheEncodedKeys) {
  // RFC 8949 §4.2.1 sorts by the encoded keys, bytewise; this differs from the length-first
  // order of RFC 7049 §3.9: 100 (0x1864) sorts before -1 (0x20), "b" (0x6162) before "aa".
  ExpectRoundTrip("a30a001864002000", "{10: 0, 100: 0, -1: 0}");
  ExpectReject("a320001864000a00", "not in deterministic order");
  ExpectRoundTrip("a261620062616100", "{\"b\": 0, \"aa\": 0}");
  ExpectReject("a262616100616200", "not in deterministic order");
}

TEST(CborDecode, RejectsTrailingBytesAndTruncation) {
  ExpectReject("0000", "1 trailing octets");
  ExpectReject("a0a0", "trailing");
  ExpectReject("", "truncated: a data item was expected");
  ExpectReject("18", "truncated head");
  ExpectReject("1b000000", "truncated head");
  ExpectReject("f8", "truncated simple value");
  ExpectReject("4461", "declared length 4 exceeds the 1 remaining octets");
  ExpectReject("824100", "truncated: a data item was expected");
  ExpectReject("830102", "array declares 3 items but only 2 octets remain");
  ExpectReject("a201", "map declares 2 entries");
}

TEST(CborDecode, NeverTrustsDeclaredLengths) {
  // Lengths near 2^64 must be refused before any allocation.
  ExpectReject("5bffffffffffffffff", "exceeds the 0 remaining octets");
  ExpectReject("7bffffffffffffffff00", "exceeds the 1 remaining octets");
  ExpectReject("9bffffffffffffffff00", "array declares 18446744073709551615 items");
  ExpectReject("bbffffffffffffffff0000", "map declares 18446744073709551615 entries");
  ExpectReject("9a7fffffff00", "array declares");
}

TEST(CborDecode, RejectsInvalidUtf8) {
  ExpectRoundTrip("63e282ac", "\"\xe2\x82\xac\"");        // U+20AC
  ExpectRoundTrip("64f48fbfbf", "\"\xf4\x8f\xbf\xbf\"");  // U+10FFFF
  ExpectReject("61ff", "not valid UTF-8");
  ExpectReject("6180", "not valid UTF-8");        // lone continuation octet
  ExpectReject("62c0af", "not valid UTF-8");      // overlong '/'
  ExpectReject("63e08080", "not valid UTF-8");    // overlong NUL
  ExpectReject("63eda080", "not valid UTF-8");    // surrogate U+D800
  ExpectReject("64f4908080", "not valid UTF-8");  // U+110000
  ExpectReject("62c341", "not valid UTF-8");      // bad continuation
  ExpectReject("61c3", "not valid UTF-8");        // sequence cut by the string's end
  ExpectReject("64f0808080", "not valid UTF-8");  // overlong 4-octet form
}

TEST(CborDecode, NestingLimit) {
  std::string deep;
  for (int i = 0; i < 16; ++i) {
    deep += "81";
  }
  ExpectRoundTrip(deep + "00", "[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]");
  ExpectReject("81" + deep + "00", "nesting deeper than the limit of 16");
  ExpectReject("81" + deep + "80", "nesting deeper than the limit of 16");
  std::string tags;
  for (int i = 0; i < 17; ++i) {
    tags += "c1";
  }
  ExpectReject(tags + "00", "nesting deeper");
  DecodeLimits shallow;
  shallow.max_depth = 1;
  EXPECT_TRUE(Decode(Hex("8100"), shallow).has_value());
  ExpectReject("818100", "nesting deeper than the limit of 1", shallow);
  ExpectReject("a1018100", "nesting deeper than the limit of 1", shallow);
}

TEST(CborDecode, ItemAndStringLimits) {
  DecodeLimits limits;
  limits.max_items = 3;
  EXPECT_TRUE(Decode(Hex("820102"), limits).has_value());
  ExpectReject("83010203", "more data items than the limit of 3", limits);
  limits = DecodeLimits{};
  limits.max_string_length = 2;
  EXPECT_TRUE(Decode(Hex("426161"), limits).has_value());
  ExpectReject("43616161", "exceeds the limit of 2", limits);
  ExpectReject("63616161", "exceeds the limit of 2", limits);
}

TEST(CborDecode, BignumsMustBeInPreferredSerialization) {
  ExpectRoundTrip("c249010000000000000000", "2(h'010000000000000000')");
  ExpectReject("c240", "leading zero");
  ExpectReject("c24a00010000000000000000", "leading zero");
  ExpectReject("c3480100000000000000", "fits in 64 bits");
  ExpectReject("c201", "must enclose a byte string");
}

TEST(CborValue, IntegerAccessors) {
  EXPECT_EQ(*Value::Int(-7).as_int(), -7);
  EXPECT_EQ(*Value::Int(5).as_uint(), 5u);
  EXPECT_EQ(*Value::Int(std::numeric_limits<int64_t>::min()).negative_argument(),
            (uint64_t{1} << 63) - 1);
  EXPECT_EQ(*Value::Int(std::numeric_limits<int64_t>::min()).as_int(),
            std::numeric_limits<int64_t>::min());
  auto big = Value::Uint(std::numeric_limits<uint64_t>::max()).as_int();
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kInvalidArgument);
  auto low = Value::NegativeFromArgument(uint64_t{1} << 63).as_int();
  ASSERT_FALSE(low.has_value());
  EXPECT_EQ(low.error().code(), ErrorCode::kInvalidArgument);
  auto wrong = Value::TextString("x").as_uint();
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong.error().message().find("text string"), std::string::npos);
}

TEST(CborValue, TypedAccessorsRefuseOtherTypes) {
  Value n = Value::Null();
  EXPECT_EQ(n.as_bytes().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.as_text().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.as_bool().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.as_array().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.as_map().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.tag_number().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.tag_content().error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.Find(1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.Find("a").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.Append(Value::Uint(1)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(n.Set(Value::Uint(1), Value()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(n.is_null());
}

TEST(CborValue, MapLookupByIntAndText) {
  auto v = Decode(Hex("a4012604423131206161616101"));
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(ToDiagnostic(*v), "{1: -7, 4: h'3131', -1: \"a\", \"a\": 1}");
  EXPECT_EQ(*(*v->Find(1))->as_int(), -7);
  EXPECT_EQ(HexEncode(*(*v->Find(4))->as_bytes()), "3131");
  EXPECT_EQ(*(*v->Find(-1))->as_text(), "a");
  EXPECT_EQ(*(*v->Find("a"))->as_uint(), 1u);
  auto missing = v->Find(2);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(v->Find("b").error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(v->Contains(Value::Int(-1)));
  EXPECT_FALSE(v->Contains(Value::Int(-2)));
}

TEST(CborEncode, SortsMapKeysAndUsesShortestHeads) {
  Value m = Value::Map();
  ASSERT_TRUE(m.Set(Value::TextString("aa"), Value::Uint(1000)).has_value());
  ASSERT_TRUE(m.Set(Value::Int(-1), Value::ByteString(Bytes(24, 0xab))).has_value());
  ASSERT_TRUE(
      m.Set(Value::Uint(100), Value::Array({Value::Bool(true), Value::Null()})).has_value());
  ASSERT_TRUE(m.Set(Value::TextString("b"), Value::Tagged(18, Value::Uint(0))).has_value());
  ASSERT_TRUE(m.Set(Value::Uint(100), Value::Array({Value::Bool(false)})).has_value());  // replaces
  auto out = Encode(m);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(HexEncode(*out),
            "a4"
            "186481f4"
            "20"
            "5818" +
                HexEncode(Bytes(24, 0xab)) +
                "6162d200"
                "6261611903e8");
  auto back = Decode(*out);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*Encode(*back), *out);
}

TEST(CborEncode, FullIntegerRange) {
  EXPECT_EQ(HexEncode(*Encode(Value::NegativeFromArgument(std::numeric_limits<uint64_t>::max()))),
            "3bffffffffffffffff");
  EXPECT_EQ(HexEncode(*Encode(Value::Int(std::numeric_limits<int64_t>::min()))),
            "3b7fffffffffffffff");
  EXPECT_EQ(HexEncode(*Encode(Value::Uint(std::numeric_limits<uint64_t>::max()))),
            "1bffffffffffffffff");
  EXPECT_EQ(ToDiagnostic(Value::NegativeFromArgument(std::numeric_limits<uint64_t>::max())),
            "-18446744073709551616");
}

TEST(CborEncode, RefusesDuplicateKeysAndInvalidText) {
  Value m = Value::Map(
      {MapEntry{Value::Uint(1), Value::Uint(2)}, MapEntry{Value::Uint(1), Value::Uint(3)}});
  auto e = Encode(m);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.error().message().find("duplicate key"), std::string::npos);
  auto t = Encode(Value::Array({Value::TextString("\xff")}));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CborEncode, AppendHeadWidths) {
  Bytes out;
  AppendHead(out, 2, 23);
  AppendHead(out, 2, 24);
  AppendHead(out, 6, 0x100);
  AppendHead(out, 0, 0x10000);
  AppendHead(out, 1, 0x100000000);
  EXPECT_EQ(HexEncode(out), "575818d901001a000100003b0000000100000000");
}

}  // namespace
}  // namespace iotsec::cose::cbor
