// Copyright iotsec authors.
// COSE_Sign1 / COSE_Encrypt0 / COSE_Mac0: round trips, header rules and malformed messages.
#include "iotsec/cose/cose.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "iotsec/cose/cbor.h"
#include "iotsec/cose/encrypt0.h"
#include "iotsec/cose/keys.h"
#include "iotsec/cose/mac0.h"
#include "iotsec/cose/sign1.h"

namespace iotsec::cose {
namespace {

using cbor::MapEntry;
using cbor::Value;

const Bytes kPayload = ToBytes(AsBytes("hello, device"));
const Bytes kAad = {0x01, 0x02, 0x03};

Sign1Signer Es256Signer() {
  auto k = crypto::EcdsaP256PrivateKey::Generate();
  EXPECT_TRUE(k.has_value());
  return Sign1Signer::Es256(*k);
}

Sign1Signer EdDsaSigner() {
  auto k = crypto::Ed25519PrivateKey::Generate();
  EXPECT_TRUE(k.has_value());
  return Sign1Signer::EdDsa(*k);
}

Encrypt0Key AesKey(Algorithm alg = Algorithm::kA128Gcm) {
  size_t n = alg == Algorithm::kA128Gcm ? 16 : 32;
  auto k = Encrypt0Key::Create(alg, crypto::SecretBytes(Bytes(n, 0x42)));
  EXPECT_TRUE(k.has_value());
  return std::move(*k);
}

Mac0Key HmacKey(Algorithm alg = Algorithm::kHmac256_256) {
  auto k = Mac0Key::Create(alg, crypto::SecretBytes(Bytes(32, 0x24)));
  EXPECT_TRUE(k.has_value());
  return std::move(*k);
}

Bytes Enc(const Value& v) {
  auto b = cbor::Encode(v);
  EXPECT_TRUE(b.has_value());
  return b.value_or(Bytes{});
}

Value ProtectedBstr(std::vector<MapEntry> entries) {
  if (entries.empty()) {
    return Value::ByteString({});
  }
  return Value::ByteString(Enc(Value::Map(std::move(entries))));
}

MapEntry Alg(Algorithm a) {
  return MapEntry{Value::Int(kHeaderAlg), Value::Int(static_cast<int64_t>(a))};
}

// A Sign1-shaped message with the given parts (the signature is junk).
Bytes Sign1Shape(Value prot, Value unprot, Value payload, Value sig, uint64_t tag = kTagSign1) {
  return Enc(Value::Tagged(
      tag, Value::Array({std::move(prot), std::move(unprot), std::move(payload), std::move(sig)})));
}

void ExpectCode(const auto& result, ErrorCode code, std::string_view what = "") {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), code) << result.error().ToString();
  if (!what.empty()) {
    EXPECT_NE(result.error().message().find(what), std::string::npos)
        << result.error().message() << " lacks " << what;
  }
}

TEST(Sign1, RoundTripEs256AndEdDsaTaggedAndUntagged) {
  for (const Sign1Signer& signer : {Es256Signer(), EdDsaSigner()}) {
    for (Tagging tagging : {Tagging::kTagged, Tagging::kUntagged}) {
      Headers h;
      h.SetKid(AsBytes("dev-1")).SetContentType(60);
      h.SetUnprotected(Value::TextString("note"), Value::TextString("x"));
      auto msg = Sign1(signer, kPayload, kAad, h, tagging);
      ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
      EXPECT_EQ((*msg)[0] == 0xd2, tagging == Tagging::kTagged);
      auto v = VerifySign1(*msg, signer.Verifier(), kAad);
      ASSERT_TRUE(v.has_value()) << v.error().ToString();
      EXPECT_EQ(v->payload, kPayload);
      EXPECT_EQ(v->headers.alg, signer.algorithm());
      EXPECT_EQ(ToBytes(*v->headers.kid()), ToBytes(AsBytes("dev-1")));
      EXPECT_EQ(*(*v->headers.Find(kHeaderContentType))->as_uint(), 60u);
      EXPECT_EQ(*(*v->headers.unprotected_map.Find("note"))->as_text(), "x");
      // The protected header is the deterministic map {1: alg, 3: 60}.
      EXPECT_EQ(cbor::ToDiagnostic(v->headers.protected_map),
                "{1: " + std::to_string(static_cast<int64_t>(signer.algorithm())) + ", 3: 60}");
      ExpectCode(VerifySign1(*msg, signer.Verifier(), {}), ErrorCode::kUnauthenticated);
      ExpectCode(
          VerifySign1(
              *msg,
              (signer.algorithm() == Algorithm::kEs256 ? Es256Signer() : EdDsaSigner()).Verifier(),
              kAad),
          ErrorCode::kUnauthenticated);
      auto peek = PeekHeaders(*msg, MessageType::kSign1);
      ASSERT_TRUE(peek.has_value());
      EXPECT_EQ(ToBytes(*peek->kid()), ToBytes(AsBytes("dev-1")));
    }
  }
}

TEST(Sign1, EveryCorruptedOctetIsRefused) {
  Sign1Signer signer = EdDsaSigner();
  auto msg = Sign1(signer, kPayload, {}, Headers().SetKid(AsBytes("k")));
  ASSERT_TRUE(msg.has_value());
  for (size_t i = 0; i < msg->size(); ++i) {
    for (uint8_t flip : {0x01, 0x80}) {
      Bytes bad = *msg;
      bad[i] ^= flip;
      auto v = VerifySign1(bad, signer.Verifier(), {});
      if (v.has_value()) {
        // Only the unprotected header may change without breaking the signature.
        auto kid = v->headers.kid();
        EXPECT_TRUE(!kid.has_value() || ToBytes(*kid) != ToBytes(AsBytes("k"))) << "offset " << i;
        EXPECT_EQ(v->payload, kPayload);
      } else {
        EXPECT_TRUE(v.error().code() == ErrorCode::kInvalidArgument ||
                    v.error().code() == ErrorCode::kUnauthenticated)
            << v.error().ToString();
      }
    }
  }
  for (size_t n = 0; n < msg->size(); ++n) {
    ExpectCode(VerifySign1(ByteSpan(msg->data(), n), signer.Verifier(), {}),
               ErrorCode::kInvalidArgument);
  }
}

TEST(Sign1, RefusesMalformedStructures) {
  Sign1Verifier ver = EdDsaSigner().Verifier();
  const Value prot = ProtectedBstr({Alg(Algorithm::kEdDsa)});
  const Value sig = Value::ByteString(Bytes(64, 0));
  const Value pl = Value::ByteString(kPayload);
  auto check = [&](const Bytes& m, std::string_view what) {
    SCOPED_TRACE(std::string(what));
    ExpectCode(VerifySign1(m, ver, {}), ErrorCode::kInvalidArgument, what);
  };
  // A well-formed message with a junk signature fails as unauthenticated, not malformed.
  ExpectCode(VerifySign1(Sign1Shape(prot, Value::Map(), pl, sig), ver, {}),
             ErrorCode::kUnauthenticated);
  check(Sign1Shape(prot, Value::Map(), pl, sig, kTagMac0),
        "CBOR tag 17 is not the COSE_Sign1 tag 18");
  check(Enc(Value::Tagged(kTagSign1, Value::Tagged(kTagSign1, Value::Array()))), "not an array");
  check(Enc(Value::Tagged(kTagSign1, Value::Array({prot, Value::Map(), pl}))), "has 3 elements");
  check(Enc(Value::Map()), "not an array");
  Bytes trailing = Sign1Shape(prot, Value::Map(), pl, sig);
  trailing.push_back(0);
  check(trailing, "trailing");
  check(Sign1Shape(Value::Map(), Value::Map(), pl, sig), "protected header is not a byte string");
  check(Sign1Shape(Value::ByteString(Enc(Value::Array())), Value::Map(), pl, sig),
        "protected header is not a map");
  check(Sign1Shape(Value::ByteString(Bytes{0xa0}), Value::Map(), pl, sig),
        "zero-length byte string");
  check(Sign1Shape(Value::ByteString(*HexDecode("a1013807")), Value::Map(), pl, sig),
        "non-shortest head");  // -8 encoded in two octets
  check(Sign1Shape(Value::ByteString(*HexDecode("a1012700")), Value::Map(), pl, sig),
        "protected header: CBOR: 1 trailing octets");
  check(Sign1Shape(prot, Value::Array(), pl, sig), "unprotected header is not a map");
  check(Sign1Shape(ProtectedBstr({}), Value::Map({Alg(Algorithm::kEdDsa)}), pl, sig),
        "alg must be in the protected header");
  check(Sign1Shape(ProtectedBstr({}), Value::Map(), pl, sig), "has no alg");
  check(Sign1Shape(ProtectedBstr({Alg(Algorithm::kEdDsa),
                                  MapEntry{Value::Int(kHeaderCrit), Value::Array({Value::Int(9)})},
                                  MapEntry{Value::Int(9), Value::Uint(1)}}),
                   Value::Map(), pl, sig),
        "crit");
  check(Sign1Shape(prot, Value::Map({MapEntry{Value::Int(kHeaderKid), Value::TextString("k")}}), pl,
                   sig),
        "kid must be a byte string");
  check(Sign1Shape(ProtectedBstr({Alg(Algorithm::kEdDsa),
                                  MapEntry{Value::Int(kHeaderKid), Value::ByteString({})}}),
                   Value::Map({MapEntry{Value::Int(kHeaderKid), Value::ByteString({})}}), pl, sig),
        "in both the protected and the unprotected header");
  check(Sign1Shape(prot, Value::Map({MapEntry{Value::ByteString({}), Value::Uint(1)}}), pl, sig),
        "neither an integer nor a text string");
  check(Sign1Shape(ProtectedBstr({Alg(Algorithm::kEdDsa),
                                  MapEntry{Value::Int(kHeaderContentType), Value::Int(-1)}}),
                   Value::Map(), pl, sig),
        "content type");
  check(Sign1Shape(ProtectedBstr({MapEntry{Value::Int(kHeaderAlg), Value::Null()}}), Value::Map(),
                   pl, sig),
        "alg must be an integer or a text string");
  check(Sign1Shape(ProtectedBstr({Alg(Algorithm::kA128Gcm)}), Value::Map(), pl, sig),
        "algorithm 1 is not supported for COSE_Sign1");
  check(Sign1Shape(ProtectedBstr({Alg(Algorithm::kHmac256_256)}), Value::Map(), pl, sig),
        "not supported for COSE_Sign1");
  check(Sign1Shape(prot, Value::Map(), Value::Null(), sig), "detached");
  check(Sign1Shape(prot, Value::Map(), Value::TextString("x"), sig), "payload or ciphertext");
  check(Sign1Shape(prot, Value::Map(), pl, Value::TextString("x")), "signature or tag");
  ExpectCode(
      VerifySign1(Sign1Shape(prot, Value::Map(), pl, Value::ByteString(Bytes(63, 0))), ver, {}),
      ErrorCode::kInvalidArgument);
  check(Sign1Shape(prot,
                   Value::Map({MapEntry{Value::Int(kHeaderIv), Value::ByteString({})},
                               MapEntry{Value::Int(kHeaderPartialIv), Value::ByteString({})}}),
                   pl, sig),
        "IV and Partial IV must not both be present");
}

TEST(Sign1, RefusesHeadersThatTheLibrarySets) {
  Sign1Signer signer = EdDsaSigner();
  for (int64_t label : {kHeaderAlg, kHeaderCrit, kHeaderIv, kHeaderPartialIv}) {
    ExpectCode(Sign1(signer, kPayload, {}, Headers().SetProtected(label, Value::Int(-8))),
               ErrorCode::kInvalidArgument, "set by the library");
    ExpectCode(Sign1(signer, kPayload, {}, Headers().SetUnprotected(label, Value::Int(-8))),
               ErrorCode::kInvalidArgument, "set by the library");
  }
  ExpectCode(Sign1(signer, kPayload, {},
                   Headers().SetKid(AsBytes("a")).SetProtected(kHeaderKid, Value::ByteString({}))),
             ErrorCode::kInvalidArgument, "in both");
  ExpectCode(Sign1(signer, kPayload, {}, Headers().SetProtected(Value::Null(), Value::Uint(1))),
             ErrorCode::kInvalidArgument, "neither an integer nor a text string");
  ExpectCode(Sign1(signer, kPayload, {}, Headers().SetUnprotected(kHeaderKid, Value::Uint(1))),
             ErrorCode::kInvalidArgument, "kid must be a byte string");
  ExpectCode(Sign1(signer, kPayload, {},
                   Headers().SetUnprotected(Value::TextString("t"), Value::TextString("\xff"))),
             ErrorCode::kInvalidArgument, "UTF-8");
}

TEST(Sign1, EmptyPayloadAndEmptyHeaders) {
  Sign1Signer signer = Es256Signer();
  auto msg = Sign1(signer, {}, {}, {}, Tagging::kUntagged);
  ASSERT_TRUE(msg.has_value());
  // [h'A10126', {}, h'', h'<64>']
  EXPECT_EQ(HexEncode(ByteSpan(*msg).first(8)), "8443a10126a04058");
  auto v = VerifySign1(*msg, signer.Verifier(), {});
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_TRUE(v->payload.empty());
  EXPECT_EQ(v->headers.kid().error().code(), ErrorCode::kNotFound);
}

TEST(Structures, MatchRfc9052Layout) {
  // RFC 9052 §4.4, §5.3, §6.3, with an empty protected header (zero-length bstr).
  EXPECT_EQ(HexEncode(SigStructure1({}, {}, {})), "846a5369676e617475726531404040");
  EXPECT_EQ(HexEncode(EncStructure0({}, Bytes{0xaa})), "8368456e6372797074304041aa");
  EXPECT_EQ(HexEncode(MacStructure0(Bytes{0xa0}, {}, Bytes{0x01})), "84644d41433041a0404101");
}

TEST(Encrypt0, RoundTripBothKeySizes) {
  for (Algorithm alg : {Algorithm::kA128Gcm, Algorithm::kA256Gcm}) {
    Encrypt0Key key = AesKey(alg);
    for (Tagging tagging : {Tagging::kTagged, Tagging::kUntagged}) {
      auto msg = Encrypt0(key, kPayload, kAad, Headers().SetKid(AsBytes("k1")), tagging);
      ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
      EXPECT_EQ((*msg)[0] == 0xd0, tagging == Tagging::kTagged);
      auto d = DecryptEncrypt0(*msg, key, kAad);
      ASSERT_TRUE(d.has_value()) << d.error().ToString();
      EXPECT_EQ(ToBytes(d->plaintext.span()), kPayload);
      EXPECT_EQ(d->headers.alg, alg);
      EXPECT_EQ((*(*d->headers.Find(kHeaderIv))->as_bytes()).size(), 12u);
      ExpectCode(DecryptEncrypt0(*msg, key, {}), ErrorCode::kUnauthenticated);
    }
  }
}

TEST(Encrypt0, FreshIvEachTime) {
  Encrypt0Key key = AesKey();
  std::set<Bytes> ivs;
  for (int i = 0; i < 20; ++i) {
    auto msg = Encrypt0(key, kPayload, {});
    ASSERT_TRUE(msg.has_value());
    auto h = PeekHeaders(*msg, MessageType::kEncrypt0);
    ASSERT_TRUE(h.has_value());
    ivs.insert(ToBytes(*(*h->Find(kHeaderIv))->as_bytes()));
  }
  EXPECT_EQ(ivs.size(), 20u);
}

TEST(Encrypt0, RefusesMalformedMessages) {
  Encrypt0Key key = AesKey();
  const Value prot = ProtectedBstr({Alg(Algorithm::kA128Gcm)});
  const Value ct = Value::ByteString(Bytes(20, 0));
  auto msg = [](Value p, Value u, Value c) {
    return Enc(
        Value::Tagged(kTagEncrypt0, Value::Array({std::move(p), std::move(u), std::move(c)})));
  };
  auto iv = [](size_t n) {
    return MapEntry{Value::Int(kHeaderIv), Value::ByteString(Bytes(n, 7))};
  };
  ExpectCode(DecryptEncrypt0(msg(prot, Value::Map({iv(12)}), ct), key, {}),
             ErrorCode::kUnauthenticated);
  ExpectCode(DecryptEncrypt0(msg(prot, Value::Map(), ct), key, {}), ErrorCode::kInvalidArgument,
             "no IV");
  ExpectCode(DecryptEncrypt0(msg(prot, Value::Map({iv(16)}), ct), key, {}),
             ErrorCode::kInvalidArgument, "12 octets");
  ExpectCode(
      DecryptEncrypt0(
          msg(prot,
              Value::Map({MapEntry{Value::Int(kHeaderPartialIv), Value::ByteString(Bytes{1})}}),
              ct),
          key, {}),
      ErrorCode::kInvalidArgument, "Partial IV");
  ExpectCode(
      DecryptEncrypt0(msg(prot, Value::Map({iv(12)}), Value::ByteString(Bytes(15, 0))), key, {}),
      ErrorCode::kInvalidArgument, "shorter than the 16-octet tag");
  ExpectCode(DecryptEncrypt0(msg(prot, Value::Map({iv(12)}), Value::Null()), key, {}),
             ErrorCode::kInvalidArgument, "detached");
  // IV in the protected header is accepted (RFC 9052 §3.1 allows either bucket).
  ExpectCode(DecryptEncrypt0(
                 msg(ProtectedBstr({Alg(Algorithm::kA128Gcm), iv(12)}), Value::Map(), ct), key, {}),
             ErrorCode::kUnauthenticated);
  ExpectCode(DecryptEncrypt0(Enc(Value::Tagged(kTagEncrypt0,
                                               Value::Array({prot, Value::Map({iv(12)}), ct, ct}))),
                             key, {}),
             ErrorCode::kInvalidArgument, "has 4 elements, expected 3");
  ExpectCode(DecryptEncrypt0(msg(ProtectedBstr({Alg(Algorithm::kEs256)}), Value::Map({iv(12)}), ct),
                             key, {}),
             ErrorCode::kInvalidArgument, "not supported for COSE_Encrypt0");
  ExpectCode(
      Encrypt0(key, kPayload, {}, Headers().SetUnprotected(kHeaderIv, Value::ByteString({}))),
      ErrorCode::kInvalidArgument, "set by the library");
}

TEST(Encrypt0, RngFailureIsReported) {
  class BrokenRng : public crypto::Rng {
   public:
    Status Fill(std::span<uint8_t>) override { return Fail(ErrorCode::kUnavailable, "no entropy"); }
  } rng;
  ExpectCode(Encrypt0(AesKey(), kPayload, {}, {}, Tagging::kTagged, rng), ErrorCode::kUnavailable);
}

TEST(Mac0, RoundTripBothTagSizes) {
  for (Algorithm alg : {Algorithm::kHmac256_256, Algorithm::kHmac256_64}) {
    Mac0Key key = HmacKey(alg);
    for (Tagging tagging : {Tagging::kTagged, Tagging::kUntagged}) {
      auto msg = Mac0(key, kPayload, kAad, Headers().SetKid(AsBytes("m")), tagging);
      ASSERT_TRUE(msg.has_value()) << msg.error().ToString();
      EXPECT_EQ((*msg)[0] == 0xd1, tagging == Tagging::kTagged);
      auto v = VerifyMac0(*msg, key, kAad);
      ASSERT_TRUE(v.has_value()) << v.error().ToString();
      EXPECT_EQ(v->payload, kPayload);
      ExpectCode(VerifyMac0(*msg, key, {}), ErrorCode::kUnauthenticated);
      auto other = Mac0Key::Create(alg, crypto::SecretBytes(Bytes(32, 0x25)));
      ASSERT_TRUE(other.has_value());
      ExpectCode(VerifyMac0(*msg, *other, kAad), ErrorCode::kUnauthenticated);
    }
  }
}

TEST(Mac0, WrongTagLengthIsMalformed) {
  Mac0Key key = HmacKey(Algorithm::kHmac256_64);
  Bytes m = Enc(Value::Tagged(
      kTagMac0, Value::Array({ProtectedBstr({Alg(Algorithm::kHmac256_64)}), Value::Map(),
                              Value::ByteString(kPayload), Value::ByteString(Bytes(32, 0))})));
  ExpectCode(VerifyMac0(m, key, {}), ErrorCode::kInvalidArgument, "must be 8 octets");
}

TEST(CrossType, UntaggedMessagesCannotBeConfused) {
  // COSE_Mac0 and COSE_Sign1 have the same shape; alg and the context string keep them apart.
  Mac0Key key = HmacKey();
  auto mac = Mac0(key, kPayload, {}, {}, Tagging::kUntagged);
  ASSERT_TRUE(mac.has_value());
  ExpectCode(VerifySign1(*mac, EdDsaSigner().Verifier(), {}), ErrorCode::kInvalidArgument,
             "not supported for COSE_Sign1");
  auto tagged = Mac0(key, kPayload, {});
  ASSERT_TRUE(tagged.has_value());
  ExpectCode(VerifySign1(*tagged, EdDsaSigner().Verifier(), {}), ErrorCode::kInvalidArgument,
             "CBOR tag 17");
  ExpectCode(DecryptEncrypt0(*tagged, AesKey(), {}), ErrorCode::kInvalidArgument, "CBOR tag 17");
}

TEST(Keys, CreationChecksAlgorithmAndLength) {
  ExpectCode(Encrypt0Key::Create(Algorithm::kA128Gcm, crypto::SecretBytes(Bytes(32, 0))),
             ErrorCode::kInvalidArgument, "16-octet key");
  ExpectCode(Encrypt0Key::Create(Algorithm::kA256Gcm, crypto::SecretBytes(Bytes(16, 0))),
             ErrorCode::kInvalidArgument, "32-octet key");
  ExpectCode(Encrypt0Key::Create(Algorithm::kHmac256_256, crypto::SecretBytes(Bytes(32, 0))),
             ErrorCode::kInvalidArgument, "not a COSE_Encrypt0 algorithm");
  ExpectCode(Mac0Key::Create(Algorithm::kHmac256_256, crypto::SecretBytes(Bytes(16, 0))),
             ErrorCode::kInvalidArgument, "32-octet key");
  ExpectCode(Mac0Key::Create(Algorithm::kA128Gcm, crypto::SecretBytes(Bytes(32, 0))),
             ErrorCode::kInvalidArgument, "not a COSE_Mac0 algorithm");
  EXPECT_EQ(HmacKey(Algorithm::kHmac256_64).tag_size(), 8u);
  EXPECT_EQ(HmacKey(Algorithm::kHmac256_256).tag_size(), 32u);
  Encrypt0Key k = AesKey(Algorithm::kA256Gcm);
  Encrypt0Key c = k.Clone();
  EXPECT_EQ(ToBytes(c.key()), ToBytes(k.key()));
  EXPECT_EQ(c.algorithm(), Algorithm::kA256Gcm);
  EXPECT_EQ(AlgorithmName(Algorithm::kHmac256_64), "HMAC 256/64");
  EXPECT_EQ(MessageTypeName(MessageType::kEncrypt0), "COSE_Encrypt0");
}

}  // namespace
}  // namespace iotsec::cose
