// Copyright iotsec authors.
// Fuzzes what a device does with a discovery answer once it is open (include/iotsec/onboard/
// discovery.h: DecodeDiscoveryAnswer, VerifyDiscoveryAnswer). Whatever the input, nothing may
// crash; the decoder refuses with kInvalidArgument only; an answer that decodes re-encodes to
// the same octets (one encoding); the verifier, with the fixed trust below, refuses with
// kInvalidArgument, kUnauthenticated or kDataLoss only, and on success names one service for
// each onboarding key the answer gives. The seed corpus holds the honest answers of
// src/onboard/discovery_test.cc's ledger (which writes and checks them), so that inputs get
// through verification.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/onboard/discovery.h"

namespace {

using namespace iotsec;
using namespace iotsec::onboard;

// The trust of the test's devices: its origin, and its checkpoint key (an Ed25519 seed of 32
// octets 0x42, named after the origin). The answers answer a request with an all-zero nonce.
constexpr char kOrigin[] = "ledger.example/discovery-test";
constexpr char kDevice[] = "urn:dev:acme:sn1";

DiscoveryTrust* MakeTrust() {
  auto key = crypto::Ed25519PrivateKey::FromSeed(Bytes(32, 0x42));
  if (!key.has_value()) {
    std::abort();
  }
  auto signer = ledger::NoteSigner::Create(kOrigin, *key);
  if (!signer.has_value()) {
    std::abort();
  }
  auto* trust = new DiscoveryTrust;
  trust->origin = kOrigin;
  trust->anchors.push_back(signer->Verifier());
  trust->threshold = 1;
  trust->discovery_id = "node";
  return trust;
}

bool Allowed(ErrorCode code) {
  return code == ErrorCode::kInvalidArgument || code == ErrorCode::kUnauthenticated ||
         code == ErrorCode::kDataLoss;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static DiscoveryTrust* trust = MakeTrust();
  const ByteSpan in(data, size);
  auto answer = DecodeDiscoveryAnswer(in);
  if (!answer.has_value()) {
    if (answer.error().code() != ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  auto again = EncodeDiscoveryAnswer(*answer);
  if (!again.has_value() || *again != ToBytes(in)) {
    std::abort();  // a second encoding of the same answer was accepted
  }
  const std::array<uint8_t, kNonceSize> zero{};
  auto found = VerifyDiscoveryAnswer(in, zero, kDevice, *trust);
  if (!found.has_value()) {
    if (!Allowed(found.error().code())) {
      std::abort();
    }
    return 0;
  }
  if (found->services.size() != answer->onboarding_keys.size() || found->tree_size == 0) {
    std::abort();
  }
  return 0;
}
