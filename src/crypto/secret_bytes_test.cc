// Copyright iotsec authors.
#include "iotsec/crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include <utility>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ct.h"

namespace iotsec::crypto {
namespace {

TEST(SecretBytesTest, Constructors) {
  SecretBytes empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.span().empty());

  SecretBytes zeros(5);
  ASSERT_EQ(zeros.size(), 5u);
  for (uint8_t b : zeros.span()) {
    EXPECT_EQ(b, 0);
  }

  const Bytes src = {1, 2, 3};
  SecretBytes copy(src);
  EXPECT_EQ(ToBytes(copy), src);
}

TEST(SecretBytesTest, CloneIsIndependent) {
  SecretBytes a(Bytes{1, 2, 3});
  SecretBytes b = a.Clone();
  b.mutable_span()[0] = 9;
  EXPECT_EQ(a.span()[0], 1);
  EXPECT_EQ(b.span()[0], 9);
}

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a(Bytes{1, 2, 3});
  const uint8_t* p = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), p);  // the block moved, no copy was left behind
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
  SecretBytes c(Bytes{7});
  c = std::move(b);
  EXPECT_EQ(ToBytes(c), (Bytes{1, 2, 3}));
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, ResizeZeroFillsAndWipesTail) {
  SecretBytes s(Bytes{1, 2, 3, 4});
  s.resize(2);
  EXPECT_EQ(ToBytes(s), (Bytes{1, 2}));
  // Growing within the capacity shows zeros, not the old octets 3 and 4.
  s.resize(4);
  EXPECT_EQ(ToBytes(s), (Bytes{1, 2, 0, 0}));
  // Growing beyond the capacity keeps the prefix and zero-fills the rest.
  s.resize(40);
  ASSERT_EQ(s.size(), 40u);
  EXPECT_EQ(s.span()[0], 1);
  EXPECT_EQ(s.span()[1], 2);
  for (size_t i = 2; i < 40; ++i) {
    EXPECT_EQ(s.span()[i], 0) << i;
  }
  s.clear();
  EXPECT_TRUE(s.empty());
  s.resize(3);
  EXPECT_EQ(ToBytes(s), (Bytes{0, 0, 0}));
}

TEST(SecretBytesTest, ConvertsToByteSpan) {
  SecretBytes s(Bytes{0xaa, 0xbb});
  ByteSpan view = s;
  EXPECT_EQ(HexEncode(view), "aabb");
  EXPECT_TRUE(CtEqual(s, Bytes{0xaa, 0xbb}));
}

TEST(SecretBytesTest, WorksWithReadFileInto) {
  const std::string path = ::testing::TempDir() + "/secret_bytes_test.key";
  ASSERT_TRUE(WriteFileAtomic(path, Bytes{5, 6, 7}, 0600).has_value());
  SecretBytes s;
  ASSERT_TRUE(ReadFileInto(path, s).has_value());
  EXPECT_EQ(ToBytes(s), (Bytes{5, 6, 7}));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace iotsec::crypto
