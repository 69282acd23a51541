// Copyright iotsec authors.
#include "iotsec/ibc/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace iotsec::ibc {
namespace {

TEST(IdentityTest, MakeAndParse) {
  auto id = MakeIdentity(KeyPeriod{2026, 11}, "urn:dev:acme:0001");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(std::string(id->begin(), id->end()), "2026-11|urn:dev:acme:0001");
  auto parsed = ParseIdentity(*id);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->period, (KeyPeriod{2026, 11}));
  EXPECT_EQ(parsed->uri, "urn:dev:acme:0001");
}

TEST(IdentityTest, Rfc6509Form) {
  // The identity of RFC 6507/6508 Appendix A: "2011-02\0tel:+447700900123\0".
  std::string s("2011-02\0tel:+447700900123\0", 26);
  auto parsed = ParseIdentity(AsBytes(s));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->period, (KeyPeriod{2011, 2}));
  EXPECT_EQ(parsed->uri, "tel:+447700900123");
}

TEST(IdentityTest, NoPeriod) {
  EXPECT_FALSE(ParseIdentity(AsBytes("urn:dev:acme:1")).has_value());
  EXPECT_FALSE(ParseIdentity(AsBytes("2026-13|urn:x")).has_value());
  EXPECT_FALSE(ParseIdentity(AsBytes("2026-11|a|b")).has_value());
  EXPECT_TRUE(CheckKeyPeriod(AsBytes("urn:dev:acme:1"), KeyPeriod{2026, 11}).has_value());
}

TEST(IdentityTest, MakeRefusesBadUri) {
  auto r = MakeIdentity(KeyPeriod{2026, 1}, "a|b");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(MakeIdentity(KeyPeriod{2026, 1}, "").has_value());
}

TEST(IdentityTest, ParseKeyPeriodStrict) {
  EXPECT_TRUE(ParseKeyPeriod("2026-01").has_value());
  for (const char* bad : {"2026-1", "26-01", "2026-00", "2026-13", "2026/01", "2026-01x", ""}) {
    auto r = ParseKeyPeriod(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(IdentityTest, CheckKeyPeriod) {
  KeyPeriod now{2026, 11};
  EXPECT_TRUE(CheckKeyPeriod(AsBytes("2026-11|urn:x"), now).has_value());
  auto expired = CheckKeyPeriod(AsBytes("2026-10|urn:x"), now);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos);
  auto future = CheckKeyPeriod(AsBytes("2027-01|urn:x"), now);
  ASSERT_FALSE(future.has_value());
  EXPECT_NE(future.error().message().find("not valid yet"), std::string::npos);
}

}  // namespace
}  // namespace iotsec::ibc
