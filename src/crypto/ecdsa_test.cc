// Copyright iotsec authors.
#include "iotsec/crypto/ecdsa.h"

#include <gtest/gtest.h>

#include "iotsec/crypto/ct.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

using testing::LoadVectors;
using testing::QueueRng;

// The group order n and the field prime p of P-256, big-endian (FIPS 186-4 D.1.2.3).
constexpr char kOrderHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
constexpr char kPrimeHex[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
// The base point G (uncompressed).
constexpr char kGeneratorHex[] =
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

Bytes H(const char* hex) { return *HexDecode(hex); }

struct Rfc6979 {
  Bytes priv;
  Bytes pub;  // 0x04 || Ux || Uy
  std::vector<testing::TestVector> sigs;
};

Rfc6979 LoadRfc6979() {
  auto vectors = LoadVectors("ecdsa_p256.txt");
  Rfc6979 out;
  if (vectors.size() != 3) {
    ADD_FAILURE() << "ecdsa_p256.txt: expected 3 records";
    return out;
  }
  out.priv = vectors[0].Hex("Private");
  out.pub = {0x04};
  Append(out.pub, vectors[0].Hex("Ux"));
  Append(out.pub, vectors[0].Hex("Uy"));
  out.sigs.assign(vectors.begin() + 1, vectors.end());
  return out;
}

Bytes RawSig(const testing::TestVector& v) {
  Bytes sig = v.Hex("R");
  Append(sig, v.Hex("S"));
  return sig;
}

void ExpectCode(const Status& s, ErrorCode code) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), code) << s.error().ToString();
}

TEST(EcdsaP256Test, Rfc6979SignaturesVerify) {
  Rfc6979 kat = LoadRfc6979();
  auto pub = EcdsaP256PublicKey::FromUncompressed(kat.pub);
  ASSERT_TRUE(pub.has_value()) << pub.error().ToString();
  EXPECT_EQ(HexEncode(pub->Uncompressed()), HexEncode(kat.pub));
  ASSERT_EQ(kat.sigs.size(), 2u);
  for (const auto& v : kat.sigs) {
    SCOPED_TRACE(v.Text("Ascii"));
    const std::string text = v.Text("Ascii");
    ByteSpan msg = AsBytes(text);
    Bytes sig = RawSig(v);
    EXPECT_TRUE(pub->Verify(msg, sig).has_value());
    EXPECT_TRUE(pub->VerifyDigest(Sha256(msg), sig).has_value());
  }
}

TEST(EcdsaP256Test, FlippedBitsFailUnauthenticated) {
  Rfc6979 kat = LoadRfc6979();
  auto pub = EcdsaP256PublicKey::FromUncompressed(kat.pub);
  ASSERT_TRUE(pub.has_value());
  for (const auto& v : kat.sigs) {
    std::string text = v.Text("Ascii");
    Bytes sig = RawSig(v);
    for (size_t bit : {0, 7, 255, 256, 300, 511}) {
      Bytes bad = sig;
      bad[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      ExpectCode(pub->Verify(AsBytes(text), bad), ErrorCode::kUnauthenticated);
    }
    std::string other = text;
    other[0] ^= 0x01;
    ExpectCode(pub->Verify(AsBytes(other), sig), ErrorCode::kUnauthenticated);
  }
}

TEST(EcdsaP256Test, OutOfRangeRAndSFailUnauthenticated) {
  Rfc6979 kat = LoadRfc6979();
  auto pub = EcdsaP256PublicKey::FromUncompressed(kat.pub);
  ASSERT_TRUE(pub.has_value());
  Bytes good = RawSig(kat.sigs[0]);
  const std::string text = kat.sigs[0].Text("Ascii");
  ByteSpan msg = AsBytes(text);
  Bytes zero(32, 0);
  Bytes n = H(kOrderHex);
  Bytes ones(32, 0xff);
  for (const Bytes* bad_half : {&zero, &n, &ones}) {
    Bytes r_bad = *bad_half;
    Append(r_bad, ByteSpan(good).subspan(32));
    ExpectCode(pub->Verify(msg, r_bad), ErrorCode::kUnauthenticated);
    Bytes s_bad(good.begin(), good.begin() + 32);
    Append(s_bad, *bad_half);
    ExpectCode(pub->Verify(msg, s_bad), ErrorCode::kUnauthenticated);
  }
}

TEST(EcdsaP256Test, WrongSignatureLengthIsInvalidArgument) {
  Rfc6979 kat = LoadRfc6979();
  auto pub = EcdsaP256PublicKey::FromUncompressed(kat.pub);
  ASSERT_TRUE(pub.has_value());
  Bytes sig = RawSig(kat.sigs[0]);
  const std::string text = kat.sigs[0].Text("Ascii");
  ByteSpan msg = AsBytes(text);
  Bytes longer = sig;
  longer.push_back(0);
  ExpectCode(pub->Verify(msg, ByteSpan(sig).first(63)), ErrorCode::kInvalidArgument);
  ExpectCode(pub->Verify(msg, longer), ErrorCode::kInvalidArgument);
  ExpectCode(pub->Verify(msg, {}), ErrorCode::kInvalidArgument);
  ExpectCode(pub->VerifyDigest(Sha256(msg), longer), ErrorCode::kInvalidArgument);
}

TEST(EcdsaP256Test, PublicKeyRefusals) {
  Rfc6979 kat = LoadRfc6979();
  auto expect_invalid = [](ByteSpan b, const char* what) {
    auto r = EcdsaP256PublicKey::FromUncompressed(b);
    ASSERT_FALSE(r.has_value()) << what;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << what;
  };
  expect_invalid(ByteSpan(kat.pub).first(64), "64 octets");
  Bytes longer = kat.pub;
  longer.push_back(0);
  expect_invalid(longer, "66 octets");
  expect_invalid(ByteSpan(kat.pub).first(33), "compressed length");
  expect_invalid(Bytes{0x00}, "infinity encoding");
  expect_invalid({}, "empty");
  for (uint8_t prefix : {0x00, 0x02, 0x03, 0x05, 0x06, 0x07}) {
    Bytes bad = kat.pub;
    bad[0] = prefix;
    expect_invalid(bad, "prefix");
  }
  Bytes off_curve = kat.pub;
  off_curve[64] ^= 0x01;  // y + 1: not on the curve
  expect_invalid(off_curve, "off curve");
  Bytes zeros(65, 0);
  zeros[0] = 0x04;
  expect_invalid(zeros, "(0, 0)");
  // x = p (a coordinate that is not a field element), y from the vector.
  Bytes x_is_p = {0x04};
  Append(x_is_p, H(kPrimeHex));
  Append(x_is_p, ByteSpan(kat.pub).subspan(33));
  expect_invalid(x_is_p, "x = p");
  // The generator is a valid key.
  EXPECT_TRUE(EcdsaP256PublicKey::FromUncompressed(H(kGeneratorHex)).has_value());
}

TEST(EcdsaP256Test, FromScalarGivesRfc6979PublicKeyAndExportsScalar) {
  Rfc6979 kat = LoadRfc6979();
  auto key = EcdsaP256PrivateKey::FromScalar(kat.priv);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(HexEncode(key->PublicKey().Uncompressed()), HexEncode(kat.pub));
  auto scalar = key->Scalar();
  ASSERT_TRUE(scalar.has_value());
  EXPECT_TRUE(CtEqual(*scalar, kat.priv));
  // Signatures are randomized, but each must verify under the RFC 6979 public key.
  auto pub = EcdsaP256PublicKey::FromUncompressed(kat.pub);
  ASSERT_TRUE(pub.has_value());
  auto sig = key->Sign(AsBytes("sample"));
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(pub->Verify(AsBytes("sample"), *sig).has_value());
}

TEST(EcdsaP256Test, ScalarRefusals) {
  auto expect_invalid = [](ByteSpan d, const char* what) {
    auto r = EcdsaP256PrivateKey::FromScalar(d);
    ASSERT_FALSE(r.has_value()) << what;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << what;
  };
  Bytes n = H(kOrderHex);
  expect_invalid(Bytes(32, 0), "zero");
  expect_invalid(n, "n");
  Bytes n_plus_1 = n;
  n_plus_1[31] += 1;
  expect_invalid(n_plus_1, "n + 1");
  expect_invalid(Bytes(32, 0xff), "2^256 - 1");
  expect_invalid(Bytes(31, 1), "31 octets");
  expect_invalid(Bytes(33, 1), "33 octets");
  expect_invalid({}, "empty");

  // The extremes of the valid range: 1 (public key G) and n - 1 (public key -G).
  Bytes one(32, 0);
  one[31] = 1;
  auto k1 = EcdsaP256PrivateKey::FromScalar(one);
  ASSERT_TRUE(k1.has_value());
  EXPECT_EQ(HexEncode(k1->PublicKey().Uncompressed()), kGeneratorHex);
  Bytes n_minus_1 = n;
  n_minus_1[31] -= 1;
  auto k2 = EcdsaP256PrivateKey::FromScalar(n_minus_1);
  ASSERT_TRUE(k2.has_value());
  auto neg_g = k2->PublicKey().Uncompressed();
  EXPECT_EQ(HexEncode(ByteSpan(neg_g).first(33)), std::string(kGeneratorHex).substr(0, 66));
}

TEST(EcdsaP256Test, GeneratedKeysRoundTrip) {
  auto a = EcdsaP256PrivateKey::Generate();
  auto b = EcdsaP256PrivateKey::Generate();
  ASSERT_TRUE(a.has_value() && b.has_value());
  auto sig = a->Sign(AsBytes("firmware manifest"));
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(a->PublicKey().Verify(AsBytes("firmware manifest"), *sig).has_value());
  // Through the encoded public key, as a verifier on another machine would do it.
  auto reparsed = EcdsaP256PublicKey::FromUncompressed(a->PublicKey().Uncompressed());
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_TRUE(reparsed->Verify(AsBytes("firmware manifest"), *sig).has_value());
  ExpectCode(b->PublicKey().Verify(AsBytes("firmware manifest"), *sig),
             ErrorCode::kUnauthenticated);
  // Digest variants agree with the message variants.
  Sha256Digest d = Sha256(AsBytes("firmware manifest"));
  auto sig2 = a->SignDigest(d);
  ASSERT_TRUE(sig2.has_value());
  EXPECT_TRUE(a->PublicKey().Verify(AsBytes("firmware manifest"), *sig2).has_value());
  EXPECT_TRUE(a->PublicKey().VerifyDigest(d, *sig).has_value());
  // Copies share the key.
  EcdsaP256PrivateKey copy = *a;
  auto sig3 = copy.Sign(AsBytes("x"));
  ASSERT_TRUE(sig3.has_value());
  EXPECT_TRUE(a->PublicKey().Verify(AsBytes("x"), *sig3).has_value());
}

TEST(EcdsaP256Test, GenerateWithInjectedRngRejectsOutOfRangeCandidates) {
  QueueRng rng;
  rng.Push(Bytes(32, 0));     // 0: rejected
  rng.Push(H(kOrderHex));     // n: rejected
  rng.Push(Bytes(32, 0xff));  // > n: rejected
  Bytes d(32, 0x42);
  rng.Push(d);
  auto key = EcdsaP256PrivateKey::Generate(rng);
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(rng.fills, 4);
  auto scalar = key->Scalar();
  ASSERT_TRUE(scalar.has_value());
  EXPECT_TRUE(CtEqual(*scalar, d));
}

TEST(EcdsaP256Test, GeneratePropagatesRngFailure) {
  QueueRng rng;
  rng.exhausted_code = ErrorCode::kUnavailable;
  auto key = EcdsaP256PrivateKey::Generate(rng);
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace iotsec::crypto
