// Copyright iotsec authors.
#include "iotsec/crypto/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;

Bytes Message(const testing::TestVector& v) {
  Bytes unit = v.Has("Ascii") ? ToBytes(AsBytes(v.Text("Ascii"))) : v.Hex("Msg");
  const size_t repeat = std::stoul(v.Text("Repeat"));
  Bytes msg;
  msg.reserve(unit.size() * repeat);
  for (size_t i = 0; i < repeat; ++i) {
    Append(msg, unit);
  }
  return msg;
}

TEST(Sha256Test, KnownAnswersOneShot) {
  auto vectors = LoadVectors("sha256.txt");
  ASSERT_EQ(vectors.size(), 4u);
  for (const auto& v : vectors) {
    Sha256Digest d = Sha256(Message(v));
    EXPECT_EQ(HexEncode(d), v.Text("Digest"));
  }
}

TEST(Sha256Test, KnownAnswersIncrementalInUnevenPieces) {
  for (const auto& v : LoadVectors("sha256.txt")) {
    Bytes msg = Message(v);
    Sha256Hasher h;
    ByteSpan rest(msg);
    // Piece sizes that straddle the 64-octet block boundary in different ways.
    const size_t sizes[] = {1, 63, 64, 65, 127, 1000};
    for (size_t i = 0; !rest.empty(); ++i) {
      const size_t n = std::min(rest.size(), sizes[i % std::size(sizes)]);
      h.Update(rest.first(n));
      rest = rest.subspan(n);
    }
    EXPECT_EQ(HexEncode(h.Final()), v.Text("Digest"));
  }
}

TEST(Sha256Test, FinalResetsForReuse) {
  Sha256Hasher h;
  h.Update(AsBytes("ab"));
  h.Update(AsBytes("c"));
  Sha256Digest first = h.Final();
  h.Update(AsBytes("abc"));
  EXPECT_EQ(h.Final(), first);
  EXPECT_EQ(HexEncode(h.Final()), HexEncode(Sha256({})));  // empty message after a reset
}

TEST(Sha256Test, ElaboratedClassNameAndMove) {
  Sha256Hasher a;
  a.Update(AsBytes("abc"));
  Sha256Hasher b = std::move(a);
  EXPECT_EQ(b.Final(), Sha256(AsBytes("abc")));
  Sha256Hasher c;
  c = std::move(b);
  c.Update(AsBytes("abc"));
  EXPECT_EQ(c.Final(), Sha256(AsBytes("abc")));
}

}  // namespace
}  // namespace iotsec::crypto
