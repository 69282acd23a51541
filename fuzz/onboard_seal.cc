// Copyright iotsec authors.
// Fuzzes opening sealed onboarding requests and answers (include/iotsec/onboard/seal.h) with
// a fixed receiver key (32 octets 0x24) and exchange "fuzz". Whatever the input, nothing may
// crash, and a refusal is kInvalidArgument or kUnauthenticated. The seed corpus holds requests
// sealed to that key (written by src/onboard/seal_test.cc), so that inputs reach decryption.
#include <cstdint>
#include <cstdlib>

#include "iotsec/common/bytes.h"
#include "iotsec/onboard/seal.h"

namespace {

using namespace iotsec;

const crypto::X25519PrivateKey& Receiver() {
  static const crypto::X25519PrivateKey* key = [] {
    auto k = crypto::X25519PrivateKey::FromBytes(Bytes(32, 0x24));
    if (!k.has_value()) {
      std::abort();
    }
    return new crypto::X25519PrivateKey(std::move(*k));
  }();
  return *key;
}

void CheckRefusal(const Error& e) {
  if (e.code() != ErrorCode::kInvalidArgument && e.code() != ErrorCode::kUnauthenticated) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteSpan input(data, size);
  auto opened = onboard::OpenRequest(Receiver(), "fuzz", input);
  if (!opened.has_value()) {
    CheckRefusal(opened.error());
    return 0;
  }
  // A request that opens gets an answer that opens under the same answer key only.
  auto answer = onboard::SealAnswer(opened->answer_key, input.first(std::min<size_t>(size, 64)));
  if (!answer.has_value()) {
    std::abort();
  }
  auto back = onboard::OpenAnswer(opened->answer_key, *answer);
  if (!back.has_value()) {
    std::abort();
  }
  auto as_answer = onboard::OpenAnswer(opened->answer_key, input);
  if (as_answer.has_value()) {
    std::abort();  // a request never opens as an answer
  }
  CheckRefusal(as_answer.error());
  return 0;
}
