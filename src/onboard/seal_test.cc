// Copyright iotsec authors.
#include "iotsec/onboard/seal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include "iotsec/cose/cbor.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/encrypt0.h"

namespace iotsec::onboard {

namespace cbor = cose::cbor;
namespace {

// The receiver key of the fuzzer (fuzz/onboard_seal.cc): 32 octets 0x24.
crypto::X25519PrivateKey FixedReceiver() {
  auto k = crypto::X25519PrivateKey::FromBytes(Bytes(32, 0x24));
  EXPECT_TRUE(k.has_value());
  return std::move(*k);
}

crypto::X25519PrivateKey NewKey() {
  auto k = crypto::X25519PrivateKey::Generate();
  EXPECT_TRUE(k.has_value());
  return std::move(*k);
}

std::string Text(const crypto::SecretBytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

const std::string kBody = "urn:dev:acme:SN-0001 asks who serves it";

TEST(SealTest, RequestAndAnswerRoundTrip) {
  const crypto::X25519PrivateKey receiver = NewKey();
  auto sealed = SealRequest(receiver.PublicKey(), "discovery.example", "discovery", AsBytes(kBody));
  ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
  auto opened = OpenRequest(receiver, "discovery", sealed->message);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(Text(opened->body), kBody);

  const std::string answer_body = "you are served by mno1";
  auto answer = SealAnswer(opened->answer_key, AsBytes(answer_body));
  ASSERT_TRUE(answer.has_value());
  auto got = OpenAnswer(sealed->answer_key, *answer);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(Text(*got), answer_body);
  // The receiver cannot mistake its own answer for a request, nor the requester open its own
  // request as an answer: the directions have different keys.
  EXPECT_FALSE(OpenAnswer(sealed->answer_key, sealed->message).has_value());
}

TEST(SealTest, AnObserverSeesNeitherBodyNorALinkBetweenRequests) {
  const crypto::X25519PrivateKey receiver = NewKey();
  auto a = SealRequest(receiver.PublicKey(), "discovery.example", "discovery", AsBytes(kBody));
  auto b = SealRequest(receiver.PublicKey(), "discovery.example", "discovery", AsBytes(kBody));
  ASSERT_TRUE(a.has_value() && b.has_value());
  const std::string wire(a->message.begin(), a->message.end());
  EXPECT_EQ(wire.find("urn:dev:acme"), std::string::npos);
  EXPECT_EQ(wire.find("SN-0001"), std::string::npos);
  // Two requests of the same device share no octets beyond the fixed framing: the ephemeral
  // key, IV and ciphertext are all fresh.
  ASSERT_EQ(a->message.size(), b->message.size());
  size_t same = 0;
  for (size_t i = 0; i < a->message.size(); ++i) {
    same += a->message[i] == b->message[i];
  }
  EXPECT_LT(same, 40u + a->message.size() / 16);
}

TEST(SealTest, OnlyTheRightReceiverAndExchangeOpenIt) {
  const crypto::X25519PrivateKey receiver = NewKey();
  const crypto::X25519PrivateKey other = NewKey();
  auto sealed = SealRequest(receiver.PublicKey(), "mno1", "provision", AsBytes(kBody));
  ASSERT_TRUE(sealed.has_value());
  auto wrong_key = OpenRequest(other, "provision", sealed->message);
  ASSERT_FALSE(wrong_key.has_value());
  EXPECT_EQ(wrong_key.error().code(), ErrorCode::kUnauthenticated);
  auto wrong_context = OpenRequest(receiver, "discovery", sealed->message);
  ASSERT_FALSE(wrong_context.has_value());
  EXPECT_EQ(wrong_context.error().code(), ErrorCode::kUnauthenticated);
}

TEST(SealTest, EveryFlippedBitIsRefused) {
  const crypto::X25519PrivateKey receiver = NewKey();
  auto sealed = SealRequest(receiver.PublicKey(), "mno1", "provision", AsBytes(kBody));
  ASSERT_TRUE(sealed.has_value());
  for (size_t i = 0; i < sealed->message.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes m = sealed->message;
      m[i] ^= static_cast<uint8_t>(1 << bit);
      auto r = OpenRequest(receiver, "provision", m);
      ASSERT_FALSE(r.has_value()) << "octet " << i << " bit " << bit;
      const ErrorCode c = r.error().code();
      EXPECT_TRUE(c == ErrorCode::kInvalidArgument || c == ErrorCode::kUnauthenticated)
          << r.error().ToString();
    }
  }
}

TEST(SealTest, AnAnswerOpensOnlyUnderItsOwnRequest) {
  const crypto::X25519PrivateKey receiver = NewKey();
  auto first = SealRequest(receiver.PublicKey(), "mno1", "provision", AsBytes(kBody));
  auto second = SealRequest(receiver.PublicKey(), "mno1", "provision", AsBytes(kBody));
  ASSERT_TRUE(first.has_value() && second.has_value());
  auto opened = OpenRequest(receiver, "provision", first->message);
  ASSERT_TRUE(opened.has_value());
  auto answer = SealAnswer(opened->answer_key, AsBytes(std::string("credentials")));
  ASSERT_TRUE(answer.has_value());
  // Replaying the answer to the first request against the second one does not open.
  auto replayed = OpenAnswer(second->answer_key, *answer);
  ASSERT_FALSE(replayed.has_value());
  EXPECT_EQ(replayed.error().code(), ErrorCode::kUnauthenticated);
}

// The requests of one onboarding share the device's ephemeral key (doc/protocol/onboarding.md
// §3.1): each opens only at its own receiver, and each answer only under its own request.
TEST(SealTest, RequestsSharingAnEphemeralKeyStaySeparate) {
  const crypto::X25519PrivateKey mno = NewKey();
  const crypto::X25519PrivateKey sp = NewKey();
  const crypto::X25519PrivateKey device = NewKey();
  auto to_mno = SealRequest(mno.PublicKey(), "mno1", "provision", AsBytes(kBody), device);
  auto to_sp = SealRequest(sp.PublicKey(), "sp1", "provision", AsBytes(kBody), device);
  ASSERT_TRUE(to_mno.has_value() && to_sp.has_value());
  EXPECT_FALSE(OpenRequest(sp, "provision", to_mno->message).has_value());
  EXPECT_FALSE(OpenRequest(mno, "provision", to_sp->message).has_value());
  auto at_mno = OpenRequest(mno, "provision", to_mno->message);
  auto at_sp = OpenRequest(sp, "provision", to_sp->message);
  ASSERT_TRUE(at_mno.has_value() && at_sp.has_value());
  EXPECT_EQ(at_mno->ephemeral, device.PublicKey());
  EXPECT_EQ(at_sp->ephemeral, device.PublicKey());
  auto mno_answer = SealAnswer(at_mno->answer_key, AsBytes(std::string("network")));
  auto sp_answer = SealAnswer(at_sp->answer_key, AsBytes(std::string("service")));
  ASSERT_TRUE(mno_answer.has_value() && sp_answer.has_value());
  EXPECT_TRUE(OpenAnswer(to_mno->answer_key, *mno_answer).has_value());
  EXPECT_TRUE(OpenAnswer(to_sp->answer_key, *sp_answer).has_value());
  // The MNO's answer does not pass for the SP's, nor the SP's for the MNO's.
  EXPECT_FALSE(OpenAnswer(to_sp->answer_key, *mno_answer).has_value());
  EXPECT_FALSE(OpenAnswer(to_mno->answer_key, *sp_answer).has_value());
}

// A request built by hand with |ephemeral| as header -1.
Bytes HandMade(const cbor::Value& ephemeral) {
  auto key = cose::Encrypt0Key::Create(cose::Algorithm::kA128Gcm, crypto::SecretBytes(16));
  EXPECT_TRUE(key.has_value());
  cose::Headers h;
  h.SetUnprotected(-1, ephemeral);
  auto m = cose::Encrypt0(*key, AsBytes(kBody), {}, h, cose::Tagging::kUntagged);
  EXPECT_TRUE(m.has_value());
  return *m;
}

cbor::Value Okp(uint64_t kty, uint64_t crv, Bytes x) {
  cbor::Value k = cbor::Value::Map();
  (void)k.Set(cbor::Value::Int(1), cbor::Value::Uint(kty));
  (void)k.Set(cbor::Value::Int(-1), cbor::Value::Uint(crv));
  (void)k.Set(cbor::Value::Int(-2), cbor::Value::ByteString(x));
  return k;
}

TEST(SealTest, MalformedEphemeralKeysAreRefused) {
  const crypto::X25519PrivateKey receiver = FixedReceiver();
  const Bytes x(32, 0x09);
  struct Case {
    const char* name;
    cbor::Value key;
  } cases[] = {
      {"not a map", cbor::Value::ByteString(x)},
      {"EC2 key type", Okp(2, 4, x)},
      {"Ed25519 curve", Okp(1, 6, x)},
      {"31 octets", Okp(1, 4, Bytes(31, 0x09))},
      {"33 octets", Okp(1, 4, Bytes(33, 0x09))},
      {"all-zero point (low order, RFC 7748 §6.1)", Okp(1, 4, Bytes(32, 0))},
  };
  for (const Case& c : cases) {
    auto r = OpenRequest(receiver, "provision", HandMade(c.key));
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument)
        << c.name << ": " << r.error().ToString();
  }
  cbor::Value extra = Okp(1, 4, x);
  (void)extra.Set(cbor::Value::Int(2), cbor::Value::ByteString(x));
  EXPECT_EQ(OpenRequest(receiver, "provision", HandMade(extra)).error().code(),
            ErrorCode::kInvalidArgument);
  // No ephemeral key at all.
  auto key = cose::Encrypt0Key::Create(cose::Algorithm::kA128Gcm, crypto::SecretBytes(16));
  auto none = cose::Encrypt0(*key, AsBytes(kBody), {}, {}, cose::Tagging::kUntagged);
  EXPECT_EQ(OpenRequest(receiver, "provision", *none).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenRequest(receiver, "provision", Bytes{}).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(SealTest, SizesAndArgumentsAreBounded) {
  const crypto::X25519PrivateKey receiver = NewKey();
  EXPECT_EQ(SealRequest(receiver.PublicKey(), "", "provision", AsBytes(kBody)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealRequest(receiver.PublicKey(), "mno1", "", AsBytes(kBody)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealRequest(receiver.PublicKey(), "mno1", "provision", Bytes(kMaxSealedSize, 1))
                .error()
                .code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenRequest(receiver, "provision", Bytes(kMaxSealedSize + 1, 0x84)).error().code(),
            ErrorCode::kInvalidArgument);
  // The framing costs a fixed, small number of octets (the budget of §1 counts them).
  auto sealed = SealRequest(receiver.PublicKey(), "mno1", "provision", AsBytes(kBody));
  ASSERT_TRUE(sealed.has_value());
  EXPECT_LE(sealed->message.size(), kBody.size() + 100);
}

// Writes the fuzzer's seed corpus when IOTSEC_WRITE_ONBOARD_SEAL_CORPUS names a directory:
// requests sealed to the fuzzer's fixed receiver key.
TEST(SealTest, CorpusRequestsOpenUnderTheFuzzersKey) {
  const crypto::X25519PrivateKey receiver = FixedReceiver();
  auto sealed = SealRequest(receiver.PublicKey(), "mno1", "fuzz", AsBytes(kBody));
  ASSERT_TRUE(sealed.has_value());
  ASSERT_TRUE(OpenRequest(receiver, "fuzz", sealed->message).has_value());
  if (const char* dir = std::getenv("IOTSEC_WRITE_ONBOARD_SEAL_CORPUS")) {
    std::ofstream(std::string(dir) + "/request_valid", std::ios::binary)
        .write(reinterpret_cast<const char*>(sealed->message.data()),
               static_cast<std::streamsize>(sealed->message.size()));
  }
}

}  // namespace
}  // namespace iotsec::onboard
