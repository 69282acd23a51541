// Copyright iotsec authors.
// The provisioning exchange (doc/protocol/onboarding.md §3.3). Messages that carry secrets
// (the answer and its credentials) are encoded and parsed here by hand, in their one
// deterministic CBOR form (RFC 8949 §4.2.1), straight into zeroizing buffers; the request
// carries no secret and goes through the CBOR library.
#include "iotsec/onboard/provision.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

#include "iotsec/cose/cbor.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/hmac.h"
#include "iotsec/crypto/random.h"
#include "iotsec/ledger/names.h"
#include "iotsec/ledger/record.h"

namespace iotsec::onboard {

namespace cbor = cose::cbor;

DeviceDirectory::~DeviceDirectory() = default;
IssuanceLog::~IssuanceLog() = default;
KmsProofSource::~KmsProofSource() = default;

namespace {

constexpr char kRequestLabel[] = "iotsec onboard v1 req";
constexpr char kAnswerLabel[] = "iotsec onboard v1 ans";
constexpr char kSpPskLabel[] = "iotsec sp psk v1";
constexpr size_t kPeriodTextSize = 7;  // "YYYY-MM"
constexpr size_t kHashSize = sizeof(ledger::Hash);
constexpr size_t kCredentialKeySize = 32;
// The answer body's buffer: nonce, signature, credentials and the KMS record proof, with room.
constexpr size_t kAnswerBufferSize = 1024 + kMaxKmsEntrySize + ledger::kMaxProofSize * kHashSize;

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

// IsLowerHex returns whether |s| holds only the digits 0-9 and a-f.
bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

// SpPsk is an SP's service credential for a pseudonym: HMAC-SHA-256(key, "iotsec sp psk v1" ||
// pseudonym) (RFC 2104 §2) truncated to its first kPskSize octets (RFC 2104 §5).
crypto::SecretBytes SpPsk(ByteSpan key, ByteSpan pseudonym) {
  std::array<uint8_t, sizeof(kSpPskLabel) - 1 + kPseudonymSize> data{};
  std::copy_n(kSpPskLabel, sizeof(kSpPskLabel) - 1, data.begin());
  std::copy(pseudonym.begin(), pseudonym.end(), data.begin() + sizeof(kSpPskLabel) - 1);
  crypto::Sha256Digest mac = crypto::HmacSha256(key, ByteSpan(data.data(), data.size()));
  crypto::SecretBytes psk(ByteSpan(mac.data(), kPskSize));
  crypto::SecureZero(mac.data(), mac.size());
  return psk;
}

// Writer appends CBOR heads and data to a zeroizing buffer of a fixed capacity, which every
// caller sizes well above what it writes.
class SecretWriter {
 public:
  explicit SecretWriter(size_t capacity = 1024) : buf_(capacity) {}
  // Head writes a head in its shortest form (RFC 8949 §4.2.1).
  void Head(uint8_t major, uint64_t n) {
    const uint8_t m = static_cast<uint8_t>(major << 5);
    int octets = 0;
    if (n < 24) {
      Put(static_cast<uint8_t>(m | n));
    } else if (n <= 0xff) {
      Put(m | 24);
      octets = 1;
    } else if (n <= 0xffff) {
      Put(m | 25);
      octets = 2;
    } else if (n <= 0xffffffff) {
      Put(m | 26);
      octets = 4;
    } else {
      Put(m | 27);
      octets = 8;
    }
    for (int i = octets - 1; i >= 0; --i) {
      Put(static_cast<uint8_t>(n >> (8 * i)));
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
  // Raw appends octets as they are.
  void Raw(ByteSpan b) { Append(b); }
  // Take returns what was written (the working buffer wipes itself when the writer goes).
  crypto::SecretBytes Take() const { return crypto::SecretBytes(ByteSpan(buf_.data(), size_)); }

 private:
  void Put(uint8_t b) { Append(ByteSpan(&b, 1)); }
  void Append(ByteSpan b) {
    if (buf_.size() - size_ < b.size()) {
      std::abort();  // an invariant: callers bound what they write well below the capacity
    }
    std::copy(b.begin(), b.end(), buf_.data() + size_);
    size_ += b.size();
  }
  crypto::SecretBytes buf_;
  size_t size_ = 0;
};

// SecretReader reads the same fixed forms back, refusing anything else.
class SecretReader {
 public:
  explicit SecretReader(ByteSpan in) : in_(in) {}
  Status Head(uint8_t major, size_t n, const char* what) {
    SecretWriter w(16);
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
  // VarBytes reads a byte string of min..max octets (max < 2^16).
  Result<ByteSpan> VarBytes(size_t min, size_t max, const char* what) {
    IOTSEC_TRY(n, Argument(2, what));
    if (n < min || n > max) {
      return Malformed(std::string(what) + ": bad length " + std::to_string(n));
    }
    return Take(static_cast<size_t>(n));
  }
  // Uint reads an unsigned integer of any size.
  Result<uint64_t> Uint(const char* what) { return Argument(0, what); }
  Result<std::string_view> Text(size_t n, const char* what) {
    IOTSEC_RETURN_IF_ERROR(Head(3, n, what));
    IOTSEC_TRY(b, Take(n));
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }
  Status End() const { return pos_ == in_.size() ? Ok() : Malformed("trailing octets"); }

 private:
  // Argument reads a head of major type |major| whose argument is in its shortest form
  // (RFC 8949 §4.2.1) and returns the argument.
  Result<uint64_t> Argument(uint8_t major, const char* what) {
    if (pos_ >= in_.size() || (in_[pos_] >> 5) != major) {
      return Malformed(std::string("expected ") + what);
    }
    const uint8_t info = in_[pos_] & 0x1f;
    if (info < 24) {
      ++pos_;
      return info;
    }
    if (info > 27) {
      return Malformed(std::string(what) + ": indefinite or reserved length");
    }
    const size_t octets = size_t{1} << (info - 24);
    if (in_.size() - pos_ - 1 < octets) {
      return Malformed("truncated");
    }
    uint64_t n = 0;
    for (size_t i = 1; i <= octets; ++i) {
      n = n << 8 | in_[pos_ + i];
    }
    const uint64_t shortest = octets == 1 ? 24 : uint64_t{1} << (4 * octets);
    if (n < shortest) {
      return Malformed(std::string(what) + ": not in its shortest form");
    }
    pos_ += 1 + octets;
    return n;
  }

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
    IOTSEC_TRY(id, r.Text(2 * kPseudonymSize, "a 32-character PSK identity"));
    if (!IsLowerHex(id)) {
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

// The answer body: {1: nonce, 2: ECCSI signature, 3: bstr .cbor credentials,
// 4: [uint index, bstr entry, bstr proof]} with the proof's hashes concatenated.
crypto::SecretBytes EncodeAnswer(ByteSpan nonce, const ibc::EccsiSignature& sig,
                                 const crypto::SecretBytes& credentials,
                                 const KmsRecordProof& kms) {
  SecretWriter w(kAnswerBufferSize);
  w.Head(5, 4);
  w.Key(1);
  w.Bstr(nonce);
  w.Key(2);
  w.Bstr(sig);
  w.Key(3);
  w.Bstr(credentials.span());
  w.Key(4);
  w.Head(4, 3);
  w.Head(0, kms.index);
  w.Bstr(kms.entry);
  w.Head(2, kms.proof.size() * kHashSize);
  for (const ledger::Hash& h : kms.proof) {
    w.Raw(h);
  }
  return w.Take();
}

// CheckProof refuses a proof from the service's own source that no device would accept in
// form (a bug or misconfiguration of the source, not of the request).
Status CheckProof(const KmsRecordProof& kms, uint64_t tree_size) {
  if (kms.index >= tree_size || kms.entry.empty() || kms.entry.size() > kMaxKmsEntrySize ||
      kms.proof.size() > ledger::kMaxProofSize) {
    return Fail(ErrorCode::kInternal, "the KMS record proof source gave a malformed proof");
  }
  return Ok();
}

// Answer is a parsed answer body; its spans point into the opened plaintext.
struct Answer {
  ByteSpan nonce;
  ByteSpan signature;
  ByteSpan credentials;
  uint64_t index = 0;
  ByteSpan entry;
  std::vector<ledger::Hash> proof;
};

Result<Answer> DecodeAnswer(ByteSpan body) {
  SecretReader r(body);
  Answer a;
  IOTSEC_RETURN_IF_ERROR(r.Head(5, 4, "an answer map of 4 entries"));
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 1, "key 1"));
  IOTSEC_TRY(nonce, r.Bytes(kNonceSize, "the 16-octet nonce"));
  a.nonce = nonce;
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 2, "key 2"));
  IOTSEC_TRY(sig, r.Bytes(ibc::kEccsiSignatureSize, "a 129-octet ECCSI signature"));
  a.signature = sig;
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 3, "key 3"));
  IOTSEC_TRY(creds, r.VarBytes(1, 512, "the credentials"));
  a.credentials = creds;
  IOTSEC_RETURN_IF_ERROR(r.Head(0, 4, "key 4"));
  IOTSEC_RETURN_IF_ERROR(r.Head(4, 3, "a KMS record proof [index, entry, proof]"));
  IOTSEC_TRY(index, r.Uint("the KMS record's leaf index"));
  a.index = index;
  IOTSEC_TRY(entry, r.VarBytes(1, kMaxKmsEntrySize, "the KMS record entry"));
  a.entry = entry;
  IOTSEC_TRY(path, r.VarBytes(0, ledger::kMaxProofSize * kHashSize, "the inclusion proof"));
  if (path.size() % kHashSize != 0) {
    return Malformed("the inclusion proof is not a whole number of 32-octet hashes");
  }
  IOTSEC_RETURN_IF_ERROR(r.End());
  a.proof.resize(path.size() / kHashSize);
  for (size_t i = 0; i < a.proof.size(); ++i) {
    std::copy_n(path.begin() + static_cast<std::ptrdiff_t>(i * kHashSize), kHashSize,
                a.proof[i].begin());
  }
  return a;
}

Unexpected Mismatch(const std::string& what) {
  return Fail(ErrorCode::kDataLoss, "the service's KMS record " + what);
}

// CheckKmsRecord checks the proven record against what the device expects of the service
// (doc/protocol/onboarding.md §3.3) and returns its KPAK.
Result<ibc::EccsiPoint> CheckKmsRecord(const PendingProvision& pending,
                                       const ledger::SignedRecord& record) {
  const auto* kms = std::get_if<ledger::KmsParams>(&record.record().body);
  if (kms == nullptr) {
    return Mismatch("is a " + std::string(ledger::RecordTypeName(record.record().type())) +
                    " record, not kms_params");
  }
  if (record.origin() != pending.anchor.origin) {
    return Mismatch("names ledger " + record.origin() + ", not " + pending.anchor.origin);
  }
  if (record.signer() != pending.service.org_id) {
    return Mismatch("is signed by " + record.signer() + ", not " + pending.service.org_id);
  }
  if (kms->period.Index() > pending.period.Index()) {
    return Mismatch("is for key period " + kms->period.ToString() + ", later than " +
                    pending.period.ToString());
  }
  if (!std::equal(kms->onboarding_key.begin(), kms->onboarding_key.end(),
                  pending.service.onboarding_key.begin(), pending.service.onboarding_key.end())) {
    return Mismatch("has another onboarding key than the one the request was sealed to");
  }
  return kms->kpak;
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
                                        const LogAnchor& anchor) {
  IOTSEC_TRY(ephemeral, crypto::X25519PrivateKey::Generate());
  return StartProvision(device_id, attestation_key, service, now, anchor, ephemeral);
}

Result<PendingProvision> StartProvision(std::string_view device_id,
                                        device::AttestationKey& attestation_key,
                                        const ServiceInfo& service, const ibc::KeyPeriod& now,
                                        const LogAnchor& anchor,
                                        const crypto::X25519PrivateKey& ephemeral) {
  if (auto parts = ledger::ParseDeviceId(device_id); !parts) {
    return Unexpected(parts.error());
  }
  if (anchor.tree_size == 0) {
    return Fail(ErrorCode::kInvalidArgument, "the log anchor is of an empty tree");
  }
  const uint64_t tree_size = anchor.tree_size;
  PendingProvision p;
  p.service = service;
  p.device_id = std::string(device_id);
  p.period = now;
  p.anchor = anchor;
  IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(p.nonce));
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
  // Everything is parsed (strictly) before anything is believed.
  IOTSEC_TRY(a, DecodeAnswer(body.span()));
  IOTSEC_TRY(c, DecodeCredentials(pending.service.role, a.credentials));
  auto record = ledger::ParseRecordEntry(a.entry);
  if (!record) {
    return Malformed("the KMS record entry: " + record.error().message());
  }
  if (!std::equal(a.nonce.begin(), a.nonce.end(), pending.nonce.begin())) {
    return Fail(ErrorCode::kUnauthenticated, "the answer is not for this request (nonce)");
  }
  // RFC 9162 §2.1.3.2: the record is leaf |index| of the tree the device verified.
  if (auto v = ledger::VerifyInclusion(ledger::LeafHash(a.entry), a.index, pending.anchor.tree_size,
                                       a.proof, pending.anchor.root);
      !v) {
    return Mismatch("is not proven at index " + std::to_string(a.index) + " of the tree of " +
                    std::to_string(pending.anchor.tree_size) + ": " + v.error().message());
  }
  IOTSEC_TRY(kpak, CheckKmsRecord(pending, *record));
  // RFC 6507 §5.2.2: the service identity of the device's key period, under the KPAK of the
  // record just proven; an identity of another (expired) period does not verify.
  const std::string service_id =
      ServiceIdentity(pending.service.role, pending.service.org_id, pending.period);
  const crypto::Sha256Digest th_ans = AnswerTranscript(pending.th_req, a.credentials);
  ibc::EccsiSignature sig{};
  std::copy(a.signature.begin(), a.signature.end(), sig.begin());
  if (auto v = ibc::EccsiVerify(kpak, AsBytes(service_id), th_ans, sig); !v) {
    return Fail(ErrorCode::kUnauthenticated, "the service's ECCSI signature does not verify for " +
                                                 service_id +
                                                 " under the KPAK of its ledger record");
  }
  if (!(c.period == pending.period)) {
    return Fail(ErrorCode::kUnauthenticated, "credentials for key period " + c.period.ToString() +
                                                 ", not " + pending.period.ToString());
  }
  if (pending.service.role == ServiceRole::kMno) {
    const std::string id = DeviceIdentity(pending.period, pending.device_id);
    if (auto v = ibc::EccsiValidateUserKey(kpak, AsBytes(id), c.ssk, c.pvt); !v) {
      return Fail(ErrorCode::kUnauthenticated,
                  "the ECCSI key pair does not validate for " + id + ": " + v.error().message());
    }
  }
  return c;
}

Result<crypto::SecretBytes> ServicePskFor(const crypto::SecretBytes& credential_key,
                                          std::string_view psk_identity) {
  if (credential_key.size() != kCredentialKeySize) {
    return Fail(ErrorCode::kInvalidArgument, "the credential key must be 32 octets");
  }
  if (psk_identity.size() != 2 * kPseudonymSize || !IsLowerHex(psk_identity)) {
    return Fail(ErrorCode::kInvalidArgument, "a PSK identity is 32 lowercase hex digits; got " +
                                                 std::to_string(psk_identity.size()) +
                                                 " characters");
  }
  IOTSEC_TRY(pseudonym, HexDecode(psk_identity));
  return SpPsk(credential_key.span(), pseudonym);
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
      options.issuance == nullptr || options.kms_proof == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                "a provisioning service needs a KMS, an onboarding key, a directory, an "
                "issuance log and a KMS record proof source");
  }
  if (options.role == ServiceRole::kSp &&
      (!options.credential_key || options.credential_key->size() != kCredentialKeySize)) {
    return Fail(ErrorCode::kInvalidArgument, "an SP needs a 32-octet credential key");
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

  // The device checks the answer against the tree it verified: a size this service's proof
  // source cannot serve is refused before anything is claimed.
  IOTSEC_TRY(kms_proof, options_.kms_proof->Prove(body.tree_size));
  IOTSEC_RETURN_IF_ERROR(CheckProof(kms_proof, body.tree_size));

  IOTSEC_RETURN_IF_ERROR(options_.issuance->Claim(body.device_id, options_.period));
  Credentials c;
  auto answer = [&]() -> Result<Bytes> {
    c.period = options_.period;
    if (options_.role == ServiceRole::kMno) {
      c.psk = crypto::SecretBytes(kPskSize);
      IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(c.psk.mutable_span()));
      const std::string id = DeviceIdentity(options_.period, body.device_id);
      IOTSEC_TRY(key, options_.kms->IssueEccsi(AsBytes(id), options_.period, crypto::SystemRng()));
      c.ssk = std::move(key.ssk);
      c.pvt = key.pvt;
    } else {
      std::array<uint8_t, kPseudonymSize> pseudonym{};
      IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(pseudonym));
      c.psk_identity = HexEncode(pseudonym);
      c.psk = SpPsk(options_.credential_key->span(), pseudonym);
    }
    const crypto::SecretBytes creds = EncodeCredentials(options_.role, c);
    const crypto::Sha256Digest th_ans = AnswerTranscript(th_req, creds.span());
    IOTSEC_TRY(sig, signer_.Sign(th_ans, crypto::SystemRng()));
    const crypto::SecretBytes plain = EncodeAnswer(body.nonce, sig, creds, kms_proof);
    return SealAnswer(opened.answer_key, plain.span());
  }();
  if (!answer) {
    options_.issuance->Release(body.device_id, options_.period);
    return answer;
  }
  if (options_.on_issued) {
    options_.on_issued(body.device_id, c);
  }
  return answer;
}

}  // namespace iotsec::onboard
