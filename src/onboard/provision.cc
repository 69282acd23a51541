// Copyright iotsec authors.
// The provisioning exchange (doc/protocol/onboarding.md §3.3). Messages that carry secrets
// (the answer and its credentials) are encoded and parsed here by hand, in their one
// deterministic CBOR form (RFC 8949 §4.2.1), straight into zeroizing buffers; the request
// carries no secret and goes through the CBOR library.
#include "iotsec/onboard/provision.h"

#include <algorithm>
#include <string>
#include <utility>

#include "iotsec/cose/cbor.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/random.h"
#include "iotsec/ledger/names.h"

namespace iotsec::onboard {

namespace cbor = cose::cbor;

DeviceDirectory::~DeviceDirectory() = default;
IssuanceLog::~IssuanceLog() = default;

namespace {

constexpr char kRequestLabel[] = "iotsec onboard v1 req";
constexpr char kAnswerLabel[] = "iotsec onboard v1 ans";
constexpr size_t kPskIdentityOctets = 8;  // shown as 16 hex digits
constexpr size_t kPeriodTextSize = 7;     // "YYYY-MM"

Unexpected Malformed(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, "provisioning message: " + what);
}

void PutU16(crypto::Sha256Hasher& h, size_t n) {
  const uint8_t b[2] = {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  h.Update(b);
}

// RequestTranscript is TH_req: it binds the attestation signature to this request's ephemeral
// key, this service, this device, this nonce and the ledger size the device checked.
crypto::Sha256Digest RequestTranscript(const X25519Public& ephemeral, std::string_view service,
                                       std::string_view device_id, ByteSpan nonce,
                                       uint64_t tree_size) {
  crypto::Sha256Hasher h;
  h.Update(AsBytes(kRequestLabel));
  h.Update(ephemeral);
  PutU16(h, service.size());
  h.Update(AsBytes(service));
  PutU16(h, device_id.size());
  h.Update(AsBytes(device_id));
  h.Update(nonce);
  uint8_t size[8];
  for (int i = 0; i < 8; ++i) {
    size[i] = static_cast<uint8_t>(tree_size >> (56 - 8 * i));
  }
  h.Update(size);
  return h.Final();
}

// AnswerTranscript is TH_ans: the request's transcript and the exact credential octets.
crypto::Sha256Digest AnswerTranscript(const crypto::Sha256Digest& th_req, ByteSpan credentials) {
  crypto::Sha256Hasher h;
  h.Update(AsBytes(kAnswerLabel));
  h.Update(th_req);
  h.Update(crypto::Sha256(credentials));
  return h.Final();
}

std::string DeviceIdentity(const ibc::KeyPeriod& period, std::string_view device_id) {
  return period.ToString() + "|" + std::string(device_id);
}

// Writer appends CBOR heads and data to a zeroizing buffer.
class SecretWriter {
 public:
  void Head(uint8_t major, size_t n) {
    if (n < 24) {
      Put(static_cast<uint8_t>(major << 5 | n));
    } else if (n < 256) {
      Put(static_cast<uint8_t>(major << 5 | 24));
      Put(static_cast<uint8_t>(n));
    } else {
      Put(static_cast<uint8_t>(major << 5 | 25));
      Put(static_cast<uint8_t>(n >> 8));
      Put(static_cast<uint8_t>(n));
    }
  }
  void Key(uint8_t k) { Head(0, k); }
  void Bstr(ByteSpan b) {
    Head(2, b.size());
    Append(b);
  }
  void Tstr(std::string_view s) {
    Head(3, s.size());
    Append(AsBytes(s));
  }
  // Take returns what was written (the working buffer wipes itself when the writer goes).
  crypto::SecretBytes Take() const { return crypto::SecretBytes(ByteSpan(buf_.data(), size_)); }

 private:
  void Put(uint8_t b) { Append(ByteSpan(&b, 1)); }
  void Append(ByteSpan b) {
    std::copy(b.begin(), b.end(), buf_.data() + size_);
    size_ += b.size();
  }
  crypto::SecretBytes buf_{1024};  // every message here is far smaller
  size_t size_ = 0;
};

// SecretReader reads the same fixed forms back, refusing anything else.
class SecretReader {
 public:
  explicit SecretReader(ByteSpan in) : in_(in) {}
  Status Head(uint8_t major, size_t n, const char* what) {
    SecretWriter w;
    w.Head(major, n);
    crypto::SecretBytes want = w.Take();
    if (in_.size() - pos_ < want.size() ||
        !std::equal(want.data(), want.data() + want.size(), in_.data() + pos_)) {
      return Malformed(std::string("expected ") + what);
    }
    pos_ += want.size();
    return Ok();
  }
  Result<ByteSpan> Bytes(size_t n, const char* what) {
    IOTSEC_RETURN_IF_ERROR(Head(2, n, what));
    return Take(n);
  }
  // VarBytes reads a byte string of 1..max octets.
  Result<ByteSpan> VarBytes(size_t max, const char* what) {
    if (pos_ >= in_.size() || (in_[pos_] >> 5) != 2) {
      return Malformed(std::string("expected ") + what);
    }
    size_t n = in_[pos_] & 0x1f;
    size_t head = 1;
    if (n == 24 && pos_ + 1 < in_.size()) {
      n = in_[pos_ + 1];
      head = 2;
      if (n < 24) {
        return Malformed(std::string(what) + ": length not in its shortest form");
      }
    } else if (n >= 24) {
      return Malformed(std::string(what) + ": too long");
    }
    if (n == 0 || n > max) {
      return Malformed(std::string(what) + ": bad length");
    }
    pos_ += head;
    return Take(n);
  }
  Result<std::string_view> Text(size_t n, const char* what) {
    IOTSEC_RETURN_IF_ERROR(Head(3, n, what));
    IOTSEC_TRY(b, Take(n));
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }
  Status End() const { return pos_ == in_.size() ? Ok() : Malformed("trailing octets"); }

 private:
  Result<ByteSpan> Take(size_t n) {
    if (in_.size() - pos_ < n) {
      return Malformed("truncated");
    }
    ByteSpan out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  ByteSpan in_;
  size_t pos_ = 0;
};

// Credentials: MNO {1: ssk, 2: pvt, 3: psk, 4: period}; SP {3: psk, 4: period, 5: identity}.
crypto::SecretBytes EncodeCredentials(ServiceRole role, const Credentials& c) {
  SecretWriter w;
  const std::string period = c.period.ToString();
  if (role == ServiceRole::kMno) {
    w.Head(5, 4);
    w.Key(1);
    w.Bstr(c.ssk.span());
    w.Key(2);
    w.Bstr(c.pvt);
    w.Key(3);
    w.Bstr(c.psk.span());
    w.Key(4);
    w.Tstr(period);
  } else {
    w.Head(5, 3);
    w.Key(3);
    w.Bstr(c.psk.span());
    w.Key(4);
    w.Tstr(period);
    w.Key(5);
    w.Tstr(c.psk_identity);
  }
  return w.Take();
}

Result<Credentials> DecodeCredentials(ServiceRole role, ByteSpan in) {
  SecretReader r(in);
  Credentials c;
  std::string_view period;
  if (role == ServiceRole::kMno) {
    IOTSEC_RETURN_IF_ERROR(r.Head(5, 4, "an MNO credential map of 4 entries"));
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 1, "key 1"));
    IOTSEC_TRY(ssk, r.Bytes(32, "a 32-octet SSK"));
    c.ssk = crypto::SecretBytes(ssk);
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 2, "key 2"));
    IOTSEC_TRY(pvt, r.Bytes(c.pvt.size(), "a 65-octet PVT"));
    std::copy(pvt.begin(), pvt.end(), c.pvt.begin());
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 3, "key 3"));
    IOTSEC_TRY(psk, r.Bytes(kPskSize, "a 16-octet network credential"));
    c.psk = crypto::SecretBytes(psk);
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 4, "key 4"));
    IOTSEC_TRY(p, r.Text(kPeriodTextSize, "a key period"));
    period = p;
  } else {
    IOTSEC_RETURN_IF_ERROR(r.Head(5, 3, "an SP credential map of 3 entries"));
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 3, "key 3"));
    IOTSEC_TRY(psk, r.Bytes(kPskSize, "a 16-octet service credential"));
    c.psk = crypto::SecretBytes(psk);
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 4, "key 4"));
    IOTSEC_TRY(p, r.Text(kPeriodTextSize, "a key period"));
    period = p;
    IOTSEC_RETURN_IF_ERROR(r.Head(0, 5, "key 5"));
    IOTSEC_TRY(id, r.Text(2 * kPskIdentityOctets, "a 16-character PSK identity"));
    if (!std::all_of(id.begin(), id.end(), [](char ch) {
          return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
        })) {
      return Malformed("the PSK identity is not lowercase hex");
    }
    c.psk_identity = std::string(id);
  }
  IOTSEC_RETURN_IF_ERROR(r.End());
  auto parsed = ibc::ParseKeyPeriod(period);
  if (!parsed) {
    return Malformed("bad key period");
  }
  c.period = *parsed;
  return c;
}

// The request body: {1: device id, 2: nonce, 3: tree size, 4: attestation signature}.
struct RequestBody {
  std::string device_id;
  std::array<uint8_t, kNonceSize> nonce{};
  uint64_t tree_size = 0;
  std::array<uint8_t, crypto::kEcdsaP256SignatureSize> signature{};
};

Result<Bytes> EncodeRequest(const RequestBody& b) {
  cbor::Value m = cbor::Value::Map();
  (void)m.Set(cbor::Value::Uint(1), cbor::Value::TextString(b.device_id));
  (void)m.Set(cbor::Value::Uint(2), cbor::Value::ByteString(b.nonce));
  (void)m.Set(cbor::Value::Uint(3), cbor::Value::Uint(b.tree_size));
  (void)m.Set(cbor::Value::Uint(4), cbor::Value::ByteString(b.signature));
  return cbor::Encode(m);
}

template <size_t N>
Status FixedBytes(const cbor::Value& m, int64_t key, std::array<uint8_t, N>& out,
                  const char* what) {
  auto v = m.Find(key);
  if (!v) {
    return Malformed(std::string("no ") + what);
  }
  auto b = (*v)->as_bytes();
  if (!b || b->size() != N) {
    return Malformed(std::string(what) + " must be " + std::to_string(N) + " octets");
  }
  std::copy(b->begin(), b->end(), out.begin());
  return Ok();
}

Result<RequestBody> DecodeRequest(ByteSpan in) {
  cbor::DecodeLimits limits;
  limits.max_depth = 2;
  limits.max_items = 16;
  limits.max_string_length = 256;
  auto decoded = cbor::Decode(in, limits);
  if (!decoded) {
    return Malformed(decoded.error().message());
  }
  const cbor::Value& m = *decoded;
  auto entries = m.as_map();
  if (!entries || entries->size() != 4) {
    return Malformed("the request must be a map of 4 entries");
  }
  RequestBody b;
  auto id = m.Find(1);
  auto size = m.Find(3);
  if (!id || !size || !(*id)->as_text() || !(*size)->as_uint()) {
    return Malformed("the request needs a device id (1) and a tree size (3)");
  }
  b.device_id = std::string(*(*id)->as_text());
  if (auto parts = ledger::ParseDeviceId(b.device_id); !parts) {
    return Malformed(parts.error().message());
  }
  b.tree_size = *(*size)->as_uint();
  IOTSEC_RETURN_IF_ERROR(FixedBytes(m, 2, b.nonce, "nonce"));
  IOTSEC_RETURN_IF_ERROR(FixedBytes(m, 4, b.signature, "attestation signature"));
  return b;
}

// The answer body: {1: nonce, 2: ECCSI signature, 3: bstr .cbor credentials}.
crypto::SecretBytes EncodeAnswer(ByteSpan nonce, const ibc::EccsiSignature& sig,
                                 const crypto::SecretBytes& credentials) {
  SecretWriter w;
  w.Head(5, 3);
  w.Key(1);
  w.Bstr(nonce);
  w.Key(2);
  w.Bstr(sig);
  w.Key(3);
  w.Bstr(credentials.span());
  return w.Take();
}

}  // namespace

std::string ServiceIdentity(ServiceRole role, std::string_view org_id,
                            const ibc::KeyPeriod& period) {
  return period.ToString() + (role == ServiceRole::kMno ? "|urn:mno:" : "|urn:sp:") +
         std::string(org_id);
}

Result<PendingProvision> StartProvision(std::string_view device_id,
                                        device::AttestationKey& attestation_key,
                                        const ServiceInfo& service, const ibc::KeyPeriod& now,
                                        uint64_t tree_size) {
  if (auto parts = ledger::ParseDeviceId(device_id); !parts) {
    return Unexpected(parts.error());
  }
  PendingProvision p;
  p.service = service;
  p.device_id = std::string(device_id);
  p.period = now;
  IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(p.nonce));
  IOTSEC_TRY(ephemeral, crypto::X25519PrivateKey::Generate());
  p.th_req =
      RequestTranscript(ephemeral.PublicKey(), ServiceIdentity(service.role, service.org_id, now),
                        device_id, p.nonce, tree_size);
  RequestBody body;
  body.device_id = p.device_id;
  body.nonce = p.nonce;
  body.tree_size = tree_size;
  IOTSEC_TRY(sig, attestation_key.Sign(p.th_req));
  body.signature = sig;
  IOTSEC_TRY(encoded, EncodeRequest(body));
  IOTSEC_TRY(sealed, SealRequest(service.onboarding_key, service.org_id, kProvisionExchange,
                                 encoded, ephemeral));
  p.message = std::move(sealed.message);
  p.answer_key.emplace(std::move(sealed.answer_key));
  return p;
}

Result<Credentials> FinishProvision(const PendingProvision& pending, ByteSpan answer) {
  if (!pending.answer_key) {
    return Fail(ErrorCode::kFailedPrecondition, "no request is pending");
  }
  IOTSEC_TRY(body, OpenAnswer(*pending.answer_key, answer));
  SecretReader r(body.span());
  IOTSEC_RETURN_IF_ERROR(r.Head(5, 3, "an answer map of 3 entries"));
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 1, "key 1"));
  IOTSEC_TRY(nonce, r.Bytes(kNonceSize, "the 16-octet nonce"));
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 2, "key 2"));
  IOTSEC_TRY(sig, r.Bytes(ibc::kEccsiSignatureSize, "a 129-octet ECCSI signature"));
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 3, "key 3"));
  IOTSEC_TRY(creds, r.VarBytes(512, "the credentials"));
  IOTSEC_RETURN_IF_ERROR(r.End());
  if (!std::equal(nonce.begin(), nonce.end(), pending.nonce.begin())) {
    return Fail(ErrorCode::kUnauthenticated, "the answer is not for this request (nonce)");
  }
  // Everything is parsed (strictly) before anything is believed.
  IOTSEC_TRY(c, DecodeCredentials(pending.service.role, creds));
  // RFC 6507 §5.2.2: the service identity of the device's key period, under the KPAK the
  // device took from the ledger; an identity of another (expired) period does not verify.
  const std::string service_id =
      ServiceIdentity(pending.service.role, pending.service.org_id, pending.period);
  const crypto::Sha256Digest th_ans = AnswerTranscript(pending.th_req, creds);
  if (auto v = ibc::EccsiVerify(pending.service.kpak, AsBytes(service_id), th_ans, sig); !v) {
    return Fail(ErrorCode::kUnauthenticated,
                "the service's ECCSI signature does not verify for " + service_id);
  }
  if (!(c.period == pending.period)) {
    return Fail(ErrorCode::kUnauthenticated, "credentials for key period " + c.period.ToString() +
                                                 ", not " + pending.period.ToString());
  }
  if (pending.service.role == ServiceRole::kMno) {
    const std::string id = DeviceIdentity(pending.period, pending.device_id);
    if (auto v = ibc::EccsiValidateUserKey(pending.service.kpak, AsBytes(id), c.ssk, c.pvt); !v) {
      return Fail(ErrorCode::kUnauthenticated,
                  "the ECCSI key pair does not validate for " + id + ": " + v.error().message());
    }
  }
  return c;
}

Status MemoryIssuanceLog::Claim(std::string_view device_id, const ibc::KeyPeriod& period) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!issued_.emplace(std::string(device_id), period.Index()).second) {
    return Fail(
        ErrorCode::kAlreadyExists,
        std::string(device_id) + " was already provisioned for key period " + period.ToString());
  }
  return Ok();
}

void MemoryIssuanceLog::Release(std::string_view device_id, const ibc::KeyPeriod& period) {
  std::lock_guard<std::mutex> lock(mu_);
  issued_.erase({std::string(device_id), period.Index()});
}

ProvisioningService::ProvisioningService(ProvisioningServiceOptions options,
                                         ibc::EccsiSigner signer)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      identity_(ServiceIdentity(options_.role, options_.org_id, options_.period)) {}

Result<std::unique_ptr<ProvisioningService>> ProvisioningService::Create(
    ProvisioningServiceOptions options) {
  if (!options.kms || !options.onboarding_key || options.directory == nullptr ||
      options.issuance == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                "a provisioning service needs a KMS, an onboarding key, a directory and an "
                "issuance log");
  }
  if (auto st = ledger::CheckOrgId(options.org_id); !st) {
    return Unexpected(st.error());
  }
  const std::string id = ServiceIdentity(options.role, options.org_id, options.period);
  IOTSEC_TRY(key, options.kms->IssueEccsi(AsBytes(id), options.period, crypto::SystemRng()));
  IOTSEC_TRY(signer, ibc::EccsiSigner::Create(options.kms->public_params().kpak, AsBytes(id),
                                              key.ssk, key.pvt));
  return std::unique_ptr<ProvisioningService>(
      new ProvisioningService(std::move(options), std::move(signer)));
}

ServiceInfo ProvisioningService::info() const {
  ServiceInfo i;
  i.role = options_.role;
  i.org_id = options_.org_id;
  i.onboarding_key = options_.onboarding_key->PublicKey();
  i.kpak = options_.kms->public_params().kpak;
  return i;
}

Result<Bytes> ProvisioningService::Handle(ByteSpan request) {
  IOTSEC_TRY(opened, OpenRequest(*options_.onboarding_key, kProvisionExchange, request));
  IOTSEC_TRY(body, DecodeRequest(opened.body.span()));

  // The device as this service's own ledger view knows it, not as the request says.
  IOTSEC_TRY(facts, options_.directory->Lookup(body.device_id));
  if (facts.revoked) {
    return Fail(ErrorCode::kPermissionDenied, body.device_id + " is revoked");
  }
  const bool bound =
      options_.role == ServiceRole::kMno
          ? facts.mno == options_.org_id
          : std::find(facts.sps.begin(), facts.sps.end(), options_.org_id) != facts.sps.end();
  if (!bound) {
    return Fail(ErrorCode::kPermissionDenied,
                body.device_id + " is not bound to " + options_.org_id + " on the ledger");
  }
  // The attestation key of the birth record signs TH_req (FIPS 186-4 ECDSA over SHA-256).
  const crypto::Sha256Digest th_req =
      RequestTranscript(opened.ephemeral, identity_, body.device_id, body.nonce, body.tree_size);
  IOTSEC_TRY(ak, crypto::EcdsaP256PublicKey::FromUncompressed(facts.attestation_key));
  if (auto v = ak.Verify(th_req, body.signature); !v) {
    return Fail(ErrorCode::kUnauthenticated,
                "the attestation signature of " + body.device_id +
                    " does not verify under the key of its birth record");
  }

  IOTSEC_RETURN_IF_ERROR(options_.issuance->Claim(body.device_id, options_.period));
  auto answer = [&]() -> Result<Bytes> {
    Credentials c;
    c.period = options_.period;
    c.psk = crypto::SecretBytes(kPskSize);
    IOTSEC_RETURN_IF_ERROR(
        crypto::SystemRng().Fill(std::span<uint8_t>(c.psk.data(), c.psk.size())));
    if (options_.role == ServiceRole::kMno) {
      const std::string id = DeviceIdentity(options_.period, body.device_id);
      IOTSEC_TRY(key, options_.kms->IssueEccsi(AsBytes(id), options_.period, crypto::SystemRng()));
      c.ssk = std::move(key.ssk);
      c.pvt = key.pvt;
    } else {
      std::array<uint8_t, kPskIdentityOctets> pseudonym{};
      IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(pseudonym));
      c.psk_identity = HexEncode(pseudonym);
    }
    const crypto::SecretBytes creds = EncodeCredentials(options_.role, c);
    const crypto::Sha256Digest th_ans = AnswerTranscript(th_req, creds.span());
    IOTSEC_TRY(sig, signer_.Sign(th_ans, crypto::SystemRng()));
    const crypto::SecretBytes plain = EncodeAnswer(body.nonce, sig, creds);
    return SealAnswer(opened.answer_key, plain.span());
  }();
  if (!answer) {
    options_.issuance->Release(body.device_id, options_.period);
  }
  return answer;
}

}  // namespace iotsec::onboard
