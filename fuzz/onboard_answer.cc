// Copyright iotsec authors.
// Fuzzes what a device parses of a provisioning answer (include/iotsec/onboard/provision.h):
// each input is taken as the plaintext of an answer body, sealed with the answer key of a real
// pending request (so that it opens), and given to FinishProvision for an MNO and for an SP.
// If the input starts like an answer, its nonce is set to the pending one, so that parsing goes
// on into the credentials. Nothing may crash; a refusal is kInvalidArgument or
// kUnauthenticated; nothing but an answer signed by the service's KMS is ever accepted (the
// fuzzer's services have KMSs of their own, so acceptance is a bug). The seed corpus holds
// honest answer bodies written by src/onboard/provision_test.cc.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/random.h"
#include "iotsec/onboard/provision.h"

namespace {

using namespace iotsec;
using namespace iotsec::onboard;

struct Setup {
  std::unique_ptr<device::AttestationKey> ak;
  crypto::X25519PrivateKey service_key;
  PendingProvision pending;
  std::optional<AnswerKey> service_side;
};

template <typename T>
T Must(Result<T> r) {
  if (!r.has_value()) {
    std::abort();
  }
  return std::move(*r);
}

Setup* Make(ServiceRole role) {
  auto* s = new Setup{Must(device::GenerateSoftwareAttestationKey()),
                      Must(crypto::X25519PrivateKey::Generate()),
                      {},
                      std::nullopt};
  auto kms = Must(kms::Kms::Initialize(crypto::SystemRng()));
  ServiceInfo info;
  info.role = role;
  info.org_id = role == ServiceRole::kMno ? "mno1" : "sp1";
  info.onboarding_key = s->service_key.PublicKey();
  info.kpak = kms.public_params().kpak;
  s->pending = Must(StartProvision("urn:dev:acme:SN-0001", *s->ak, info, {2026, 11}, 1));
  auto opened = Must(OpenRequest(s->service_key, kProvisionExchange, s->pending.message));
  s->service_side.emplace(std::move(opened.answer_key));
  return s;
}

void Run(Setup& s, const uint8_t* data, size_t size) {
  Bytes body(data, data + size);
  // a3 01 50 <16-octet nonce>: give it the pending nonce.
  if (body.size() >= 19 && body[0] == 0xa3 && body[1] == 0x01 && body[2] == 0x50) {
    std::copy(s.pending.nonce.begin(), s.pending.nonce.end(), body.begin() + 3);
  }
  auto sealed = SealAnswer(*s.service_side, body);
  if (!sealed.has_value()) {
    return;  // over kMaxSealedSize
  }
  auto c = FinishProvision(s.pending, *sealed);
  if (c.has_value()) {
    std::abort();
  }
  if (c.error().code() != ErrorCode::kInvalidArgument &&
      c.error().code() != ErrorCode::kUnauthenticated) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup* mno = Make(ServiceRole::kMno);
  static Setup* sp = Make(ServiceRole::kSp);
  Run(*mno, data, size);
  Run(*sp, data, size);
  return 0;
}
