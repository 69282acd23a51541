// Copyright iotsec authors.
// Fuzzes what a device parses of a provisioning answer (include/iotsec/onboard/provision.h):
// each input is taken as the plaintext of an answer body, sealed with the answer key of a real
// pending request (so that it opens), and given to FinishProvision for an MNO and for an SP.
// If the input starts like an answer, its nonce is set to the pending one, so that parsing goes
// on; and if it is laid out like an answer up to key 4, it is run a second time with key 4
// replaced by a genuine proof of the fuzzer's service's KMS record in the device's anchor, so
// that checking goes on into the signature and the credentials. Nothing may crash; a refusal
// is kInvalidArgument, kDataLoss or kUnauthenticated; nothing is ever accepted (an answer would
// need an ECCSI signature by the fuzzer's KMS over a transcript of a fresh ephemeral key). The
// seed corpus holds honest answer bodies written by src/onboard/provision_test.cc.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "../src/onboard/provision_test_util.h"
#include "iotsec/common/bytes.h"
#include "iotsec/cose/cbor.h"
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
  Bytes genuine_key4;  // 04, then [index, entry, proof] of the service's record
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
                      std::nullopt,
                      {}};
  const std::string org = role == ServiceRole::kMno ? "mno1" : "sp1";
  auto kms = Must(kms::Kms::Initialize(crypto::SystemRng()));
  static testing::FakeLedger* ledger = new testing::FakeLedger();
  for (int i = 0; i < 20; ++i) {
    ledger->Append(AsBytes("another record " + std::to_string(ledger->size())));
  }
  const ibc::KeyPeriod now{2026, 11};
  Bytes entry =
      Must(ledger->SignEntry(org, testing::KmsParamsOf(kms, s->service_key.PublicKey(), now)));
  const uint64_t index = ledger->Append(entry);
  ledger->Append(AsBytes(std::string("a later record")));
  testing::LedgerProofSource source(ledger, index, entry);
  const LogAnchor anchor = ledger->Anchor();
  KmsRecordProof proof = Must(source.Prove(anchor.tree_size));
  Bytes path;
  for (const ledger::Hash& h : proof.proof) {
    path.insert(path.end(), h.begin(), h.end());
  }
  s->genuine_key4 = {0x04};
  Bytes array = Must(cose::cbor::Encode(cose::cbor::Value::Array(
      {cose::cbor::Value::Uint(index), cose::cbor::Value::ByteString(entry),
       cose::cbor::Value::ByteString(path)})));
  s->genuine_key4.insert(s->genuine_key4.end(), array.begin(), array.end());

  ServiceInfo info;
  info.role = role;
  info.org_id = org;
  info.onboarding_key = s->service_key.PublicKey();
  s->pending = Must(StartProvision("urn:dev:acme:SN-0001", *s->ak, info, now, anchor));
  auto opened = Must(OpenRequest(s->service_key, kProvisionExchange, s->pending.message));
  s->service_side.emplace(std::move(opened.answer_key));
  return s;
}

// ByteStringEnd returns the offset after the byte string (1- or 2-octet length) at |pos|, or 0.
size_t ByteStringEnd(const Bytes& b, size_t pos) {
  if (pos >= b.size()) {
    return 0;
  }
  size_t n = 0;
  size_t head = 0;
  if (b[pos] >= 0x40 && b[pos] < 0x58) {
    n = b[pos] - 0x40u;
    head = 1;
  } else if (b[pos] == 0x58 && pos + 1 < b.size()) {
    n = b[pos + 1];
    head = 2;
  } else if (b[pos] == 0x59 && pos + 2 < b.size()) {
    n = size_t{b[pos + 1]} << 8 | b[pos + 2];
    head = 3;
  } else {
    return 0;
  }
  return b.size() - pos - head < n ? 0 : pos + head + n;
}

void Check(Setup& s, const Bytes& body) {
  auto sealed = SealAnswer(*s.service_side, body);
  if (!sealed.has_value()) {
    return;  // over kMaxSealedSize
  }
  auto c = FinishProvision(s.pending, *sealed);
  if (c.has_value()) {
    std::abort();
  }
  if (c.error().code() != ErrorCode::kInvalidArgument && c.error().code() != ErrorCode::kDataLoss &&
      c.error().code() != ErrorCode::kUnauthenticated) {
    std::abort();
  }
}

void Run(Setup& s, const uint8_t* data, size_t size) {
  Bytes body(data, data + size);
  // a4 01 50 <16-octet nonce>: give it the pending nonce.
  if (body.size() >= 19 && body[0] == 0xa4 && body[1] == 0x01 && body[2] == 0x50) {
    std::copy(s.pending.nonce.begin(), s.pending.nonce.end(), body.begin() + 3);
  }
  Check(s, body);
  // ... 02 <signature> 03 <credentials> 04: put the genuine proof in key 4.
  if (body.size() < 20 || body[19] != 0x02) {
    return;
  }
  const size_t after_sig = ByteStringEnd(body, 20);
  if (after_sig == 0 || after_sig >= body.size() || body[after_sig] != 0x03) {
    return;
  }
  const size_t after_creds = ByteStringEnd(body, after_sig + 1);
  if (after_creds == 0 || after_creds >= body.size() || body[after_creds] != 0x04) {
    return;
  }
  body.resize(after_creds);
  body.insert(body.end(), s.genuine_key4.begin(), s.genuine_key4.end());
  Check(s, body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup* mno = Make(ServiceRole::kMno);
  static Setup* sp = Make(ServiceRole::kSp);
  Run(*mno, data, size);
  Run(*sp, data, size);
  return 0;
}
