// Copyright iotsec authors.
// Fuzzes COSE_Sign1, COSE_Encrypt0 and COSE_Mac0 parsing and verification with fixed keys
// (include/iotsec/cose/). Whatever the input, nothing may crash, and no input may verify under
// these keys unless it really was made with them (the corpus holds such messages).
#include "iotsec/cose/cose.h"

#include <cstdint>
#include <cstdlib>

#include "iotsec/common/bytes.h"
#include "iotsec/cose/encrypt0.h"
#include "iotsec/cose/keys.h"
#include "iotsec/cose/mac0.h"
#include "iotsec/cose/sign1.h"

namespace {

using namespace iotsec;
using namespace iotsec::cose;

struct Keys {
  Sign1Verifier es256;
  Sign1Verifier eddsa;
  Encrypt0Key a128;
  Encrypt0Key a256;
  Mac0Key hmac256;
  Mac0Key hmac64;
};

Bytes MustHex(const char* h) {
  auto b = HexDecode(h);
  if (!b.has_value()) {
    std::abort();
  }
  return *b;
}

// The keys of the published examples (src/cose/testdata/cose_wg_examples.txt), so that the
// seed corpus can hold messages that verify.
Keys* MakeKeys() {
  auto ec = crypto::EcdsaP256PublicKey::FromUncompressed(
      MustHex("04bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
              "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"));
  auto ed = crypto::Ed25519PublicKey::FromBytes(
      MustHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  auto a128 = Encrypt0Key::Create(Algorithm::kA128Gcm,
                                  crypto::SecretBytes(MustHex("849b57219dae48de646d07dbb533566e")));
  auto a256 = Encrypt0Key::Create(
      Algorithm::kA256Gcm,
      crypto::SecretBytes(
          MustHex("0f1e2d3c4b5a69788796a5b4c3d2e1f01f2e3d4c5b6a798897a6b5c4d3e2f100")));
  const char* hk = "849b57219dae48de646d07dbb533566e976686457c1491be3a76dcea6c427188";
  auto h256 = Mac0Key::Create(Algorithm::kHmac256_256, crypto::SecretBytes(MustHex(hk)));
  auto h64 = Mac0Key::Create(Algorithm::kHmac256_64, crypto::SecretBytes(MustHex(hk)));
  if (!ec || !ed || !a128 || !a256 || !h256 || !h64) {
    std::abort();
  }
  return new Keys{Sign1Verifier::Es256(*ec), Sign1Verifier::EdDsa(*ed), std::move(*a128),
                  std::move(*a256),          std::move(*h256),          std::move(*h64)};
}

void CheckCode(const Error& e) {
  if (e.code() != ErrorCode::kInvalidArgument && e.code() != ErrorCode::kUnauthenticated) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Keys* keys = MakeKeys();
  const ByteSpan in(data, size);
  // The external_aad of cose-wg sign-pass-02 for one of the tries, none for the others.
  static const Bytes kExternal = MustHex("11aa22bb33cc44dd55006699");
  for (const Sign1Verifier* v : {&keys->es256, &keys->eddsa}) {
    for (ByteSpan aad : {ByteSpan(), ByteSpan(kExternal)}) {
      auto r = VerifySign1(in, *v, aad);
      if (r.has_value()) {
        (void)r->headers.kid();
      } else {
        CheckCode(r.error());
      }
    }
  }
  for (const Encrypt0Key* k : {&keys->a128, &keys->a256}) {
    auto r = DecryptEncrypt0(in, *k, {});
    if (!r.has_value()) {
      CheckCode(r.error());
    }
  }
  for (const Mac0Key* k : {&keys->hmac256, &keys->hmac64}) {
    auto r = VerifyMac0(in, *k, {});
    if (!r.has_value()) {
      CheckCode(r.error());
    }
  }
  for (MessageType t : {MessageType::kSign1, MessageType::kEncrypt0, MessageType::kMac0}) {
    auto h = PeekHeaders(in, t);
    if (h.has_value()) {
      (void)h->Find(kHeaderContentType);
    } else if (h.error().code() != ErrorCode::kInvalidArgument) {
      std::abort();
    }
  }
  return 0;
}
