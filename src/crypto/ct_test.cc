// Copyright iotsec authors.
#include "iotsec/crypto/ct.h"

#include <gtest/gtest.h>

#include <array>

namespace iotsec::crypto {
namespace {

TEST(CtTest, CtEqual) {
  const Bytes a = {1, 2, 3};
  EXPECT_TRUE(CtEqual(a, Bytes{1, 2, 3}));
  EXPECT_FALSE(CtEqual(a, Bytes{1, 2, 4}));
  EXPECT_FALSE(CtEqual(a, Bytes{0, 2, 3}));
  EXPECT_FALSE(CtEqual(a, Bytes{1, 2}));  // sizes differ
  EXPECT_FALSE(CtEqual(a, Bytes{1, 2, 3, 0}));
  EXPECT_TRUE(CtEqual({}, {}));
  EXPECT_FALSE(CtEqual({}, Bytes{0}));
}

TEST(CtTest, SecureZero) {
  std::array<uint8_t, 16> buf;
  buf.fill(0xaa);
  SecureZero(buf.data(), buf.size());
  for (uint8_t b : buf) {
    EXPECT_EQ(b, 0);
  }
  SecureZero(nullptr, 0);  // allowed
}

TEST(CtTest, PoisonAndUnpoisonLeaveContentsAlone) {
  std::array<uint8_t, 4> buf = {1, 2, 3, 4};
  CtPoison(buf.data(), buf.size());
  CtUnpoison(buf.data(), buf.size());
  EXPECT_EQ(buf[2], 3);
}

}  // namespace
}  // namespace iotsec::crypto
