// Copyright iotsec authors.
#include "iotsec/crypto/ecdh.h"

#include <gtest/gtest.h>

#include "iotsec/crypto/ct.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;
using testing::QueueRng;

// u-coordinates of points of small order on Curve25519 or its twist (and non-canonical
// encodings of them: p-1, p, p+1); X25519 with any of them yields the all-zero value.
constexpr const char* kLowOrderU[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

Bytes H(std::string_view hex) { return *HexDecode(hex); }

// X25519 computes X25519(k, u) through the public API.
Bytes X25519(ByteSpan k, ByteSpan u) {
  auto key = X25519PrivateKey::FromBytes(k);
  if (!key.has_value()) {
    ADD_FAILURE() << key.error().ToString();
    return {};
  }
  auto out = key->Agree(u);
  if (!out.has_value()) {
    ADD_FAILURE() << out.error().ToString();
    return {};
  }
  return ToBytes(*out);
}

TEST(X25519Test, Rfc7748Section5_2) {
  int single = 0;
  int iterated = 0;
  for (const auto& v : LoadVectors("x25519.txt")) {
    if (v.Has("Scalar")) {
      ++single;
      EXPECT_EQ(HexEncode(X25519(v.Hex("Scalar"), v.Hex("U"))), v.Text("Out"));
    } else if (v.Has("Iterations")) {
      ++iterated;
      // RFC 7748 §5.2: k = u = 9; each round k, u = X25519(k, u), k.
      Bytes k(32, 0);
      k[0] = 9;
      Bytes u = k;
      const int rounds = std::stoi(v.Text("Iterations"));
      for (int i = 0; i < rounds; ++i) {
        Bytes next = X25519(k, u);
        u = std::move(k);
        k = std::move(next);
      }
      EXPECT_EQ(HexEncode(k), v.Text("Out")) << rounds << " iterations";
    }
  }
  EXPECT_EQ(single, 2);
  EXPECT_EQ(iterated, 2);
}

TEST(X25519Test, Rfc7748Section6_1) {
  auto vectors = LoadVectors("x25519.txt");
  const testing::TestVector* dh = nullptr;
  for (const auto& v : vectors) {
    if (v.Has("AlicePriv")) {
      dh = &v;
    }
  }
  ASSERT_NE(dh, nullptr);
  auto alice = X25519PrivateKey::FromBytes(dh->Hex("AlicePriv"));
  auto bob = X25519PrivateKey::FromBytes(dh->Hex("BobPriv"));
  ASSERT_TRUE(alice.has_value() && bob.has_value());
  EXPECT_EQ(HexEncode(alice->PublicKey()), dh->Text("AlicePub"));
  EXPECT_EQ(HexEncode(bob->PublicKey()), dh->Text("BobPub"));
  auto k1 = alice->Agree(bob->PublicKey());
  auto k2 = bob->Agree(alice->PublicKey());
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  EXPECT_EQ(HexEncode(*k1), dh->Text("Shared"));
  EXPECT_EQ(HexEncode(*k2), dh->Text("Shared"));
  auto exported = alice->PrivateBytes();
  ASSERT_TRUE(exported.has_value());
  EXPECT_EQ(HexEncode(*exported), dh->Text("AlicePriv"));
}

TEST(X25519Test, RefusesLowOrderPeersWithInvalidArgument) {
  auto key = X25519PrivateKey::Generate();
  ASSERT_TRUE(key.has_value());
  for (const char* u : kLowOrderU) {
    auto r = key->Agree(H(u));
    ASSERT_FALSE(r.has_value()) << u;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << u;
  }
}

TEST(X25519Test, RefusesWrongLengths) {
  for (size_t n : {0, 31, 33}) {
    auto k = X25519PrivateKey::FromBytes(Bytes(n, 1));
    ASSERT_FALSE(k.has_value()) << n;
    EXPECT_EQ(k.error().code(), ErrorCode::kInvalidArgument);
  }
  auto key = X25519PrivateKey::Generate();
  ASSERT_TRUE(key.has_value());
  for (size_t n : {0, 31, 33, 65}) {
    auto r = key->Agree(Bytes(n, 9));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(X25519Test, GeneratedKeysAgree) {
  auto a = X25519PrivateKey::Generate();
  auto b = X25519PrivateKey::Generate();
  ASSERT_TRUE(a.has_value() && b.has_value());
  auto ab = a->Agree(b->PublicKey());
  auto ba = b->Agree(a->PublicKey());
  ASSERT_TRUE(ab.has_value() && ba.has_value());
  EXPECT_TRUE(CtEqual(*ab, *ba));

  QueueRng rng;
  Bytes k(32, 0x5a);
  rng.Push(k);
  auto injected = X25519PrivateKey::Generate(rng);
  ASSERT_TRUE(injected.has_value());
  auto exported = injected->PrivateBytes();
  ASSERT_TRUE(exported.has_value());
  EXPECT_TRUE(CtEqual(*exported, k));
  auto failed = X25519PrivateKey::Generate(rng);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
}

struct Rfc5903 {
  Bytes i, gi, r, gr, girx;
};

Rfc5903 LoadRfc5903() {
  auto vectors = LoadVectors("ecdh_p256.txt");
  Rfc5903 out;
  if (vectors.size() != 1) {
    ADD_FAILURE() << "ecdh_p256.txt: expected 1 record";
    return out;
  }
  const auto& v = vectors[0];
  out.i = v.Hex("I");
  out.r = v.Hex("R");
  out.gi = {0x04};
  Append(out.gi, v.Hex("Gix"));
  Append(out.gi, v.Hex("Giy"));
  out.gr = {0x04};
  Append(out.gr, v.Hex("Grx"));
  Append(out.gr, v.Hex("Gry"));
  out.girx = v.Hex("Girx");
  return out;
}

TEST(EcdhP256Test, Rfc5903Section8_1) {
  Rfc5903 kat = LoadRfc5903();
  auto initiator = EcdhP256PrivateKey::FromScalar(kat.i);
  auto responder = EcdhP256PrivateKey::FromScalar(kat.r);
  ASSERT_TRUE(initiator.has_value() && responder.has_value());
  EXPECT_EQ(HexEncode(initiator->PublicKey()), HexEncode(kat.gi));
  EXPECT_EQ(HexEncode(responder->PublicKey()), HexEncode(kat.gr));
  auto z1 = initiator->Agree(kat.gr);
  auto z2 = responder->Agree(kat.gi);
  ASSERT_TRUE(z1.has_value()) << z1.error().ToString();
  ASSERT_TRUE(z2.has_value()) << z2.error().ToString();
  EXPECT_EQ(HexEncode(*z1), HexEncode(kat.girx));
  EXPECT_EQ(HexEncode(*z2), HexEncode(kat.girx));
  auto exported = initiator->Scalar();
  ASSERT_TRUE(exported.has_value());
  EXPECT_TRUE(CtEqual(*exported, kat.i));
}

TEST(EcdhP256Test, RefusesInvalidPeerPoints) {
  Rfc5903 kat = LoadRfc5903();
  auto key = EcdhP256PrivateKey::FromScalar(kat.i);
  ASSERT_TRUE(key.has_value());
  auto expect_invalid = [&](ByteSpan peer, const char* what) {
    auto z = key->Agree(peer);
    ASSERT_FALSE(z.has_value()) << what;
    EXPECT_EQ(z.error().code(), ErrorCode::kInvalidArgument) << what;
  };
  Bytes off_curve = kat.gr;
  off_curve[64] ^= 0x01;
  expect_invalid(off_curve, "off curve");
  Bytes zeros(65, 0);
  zeros[0] = 0x04;
  expect_invalid(zeros, "(0, 0)");
  Bytes compressed_prefix = kat.gr;
  compressed_prefix[0] = 0x02;
  expect_invalid(compressed_prefix, "prefix 0x02");
  expect_invalid(ByteSpan(kat.gr).first(33), "compressed length");
  expect_invalid(ByteSpan(kat.gr).first(64), "64 octets");
  expect_invalid({}, "empty");
  // x = p: not a field element.
  Bytes x_is_p = {0x04};
  Append(x_is_p, H("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
  Append(x_is_p, ByteSpan(kat.gr).subspan(33));
  expect_invalid(x_is_p, "x = p");
}

TEST(EcdhP256Test, ScalarRefusals) {
  Bytes n = H("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  for (const Bytes& d : {Bytes(32, 0), n, Bytes(32, 0xff), Bytes(31, 1), Bytes(33, 1)}) {
    auto k = EcdhP256PrivateKey::FromScalar(d);
    ASSERT_FALSE(k.has_value()) << HexEncode(d);
    EXPECT_EQ(k.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(EcdhP256Test, GeneratedKeysAgree) {
  auto a = EcdhP256PrivateKey::Generate();
  auto b = EcdhP256PrivateKey::Generate();
  ASSERT_TRUE(a.has_value() && b.has_value());
  auto ab = a->Agree(b->PublicKey());
  auto ba = b->Agree(a->PublicKey());
  ASSERT_TRUE(ab.has_value() && ba.has_value());
  EXPECT_EQ(ab->size(), 32u);
  EXPECT_TRUE(CtEqual(*ab, *ba));
  // An ECDSA key's public point is a valid ECDH peer too (same curve, same encoding).
  auto signer = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(signer.has_value());
  EXPECT_TRUE(a->Agree(signer->PublicKey().Uncompressed()).has_value());
}

}  // namespace
}  // namespace iotsec::crypto
