// Copyright iotsec authors.
// Fuzzes the device-state answer parser and verifier (include/iotsec/ledger/state_proof.h).
// Whatever the input, nothing may crash; the parser refuses with kInvalidArgument only; an
// answer that parses re-encodes (in the format of doc/api.md) to text that parses to the same
// answer; the verifier, with the fixed trust below, refuses with kInvalidArgument,
// kUnauthenticated or kDataLoss only, and on success returns the answer's view. The seed corpus
// holds honest answers of the test ledger of src/ledger/state_proof_test.cc (which writes and
// checks them), signed by the checkpoint key below, so that inputs get through verification,
// and a few of them tampered with by hand (bad_*).
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/checkpoint.h"
#include "iotsec/ledger/state_proof.h"

namespace {

using namespace iotsec;
using namespace iotsec::ledger;
using Json = nlohmann::json;

// The origin of the test ledger (src/ledger/record_test_util.h) and its checkpoint key: an
// Ed25519 seed of 32 octets 0x42, named after the origin.
constexpr std::string_view kOrigin = "ledger.example/test";

DeviceTrust* MakeTrust() {
  auto key = crypto::Ed25519PrivateKey::FromSeed(Bytes(32, 0x42));
  if (!key.has_value()) {
    std::abort();
  }
  auto signer = NoteSigner::Create(kOrigin, *key);
  if (!signer.has_value()) {
    std::abort();
  }
  auto* trust = new DeviceTrust;
  trust->origin = std::string(kOrigin);
  trust->anchors.push_back(signer->Verifier());
  trust->threshold = 1;
  return trust;
}


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static DeviceTrust* trust = MakeTrust();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto answer = ParseDeviceStateJson(in);
  if (!answer.has_value()) {
    if (answer.error().code() != ErrorCode::kInvalidArgument) {
      std::abort();
    }
    return 0;
  }
  // JSON exceptions (e.g. a string that is not UTF-8) would be a parser bug here: the parser
  // accepts only valid UTF-8, and everything else is re-encoded from typed values.
  const std::string text = DeviceStateToJson(*answer);
  auto again = ParseDeviceStateJson(text);
  if (!again.has_value() || DeviceStateToJson(*again) != text) {
    std::abort();
  }
  auto view = VerifyDeviceState(*answer, answer->view.device_id, *trust);
  if (view.has_value()) {
    if (view->device_id != answer->view.device_id || view->owner != answer->view.owner) {
      std::abort();
    }
    return 0;
  }
  switch (view.error().code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kDataLoss:
      return 0;
    default:
      std::abort();
  }
}
