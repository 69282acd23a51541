// Copyright iotsec authors.
#include "iotsec/onboard/seal.h"

#include <algorithm>
#include <string>
#include <utility>

#include <sys/stat.h>

#include "iotsec/common/file.h"
#include "iotsec/cose/cbor.h"
#include "iotsec/cose/cose.h"
#include "iotsec/cose/encrypt0.h"
#include "iotsec/crypto/hmac.h"

namespace iotsec::onboard {

namespace cbor = cose::cbor;

// SealAccess builds and reads AnswerKeys (the class keeps its key private to this file).
struct SealAccess {
  static AnswerKey Make(cose::Encrypt0Key key) { return AnswerKey(std::move(key)); }
  static const cose::Encrypt0Key& Key(const AnswerKey& k) { return k.key_; }
};

namespace {

// COSE header label of the sender's ephemeral key (RFC 9053 §6.4.1, "ephemeral key"), and the
// COSE_Key labels of an OKP X25519 key (RFC 9053 §7.1, RFC 9052 §7).
constexpr int64_t kEphemeralKeyLabel = -1;
constexpr int64_t kKeyType = 1;
constexpr uint64_t kKeyTypeOkp = 1;
constexpr int64_t kOkpCurve = -1;
constexpr uint64_t kCurveX25519 = 4;
constexpr int64_t kOkpX = -2;

constexpr char kLabel[] = "iotsec onboard v1 ";

Unexpected Malformed(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, "sealed message: " + what);
}

// Aad is the external AAD of both messages: the protocol label and the exchange.
Bytes Aad(std::string_view context) {
  std::string s = std::string(kLabel) + std::string(context);
  return Bytes(s.begin(), s.end());
}

struct Keys {
  cose::Encrypt0Key request;
  cose::Encrypt0Key answer;
};

// DeriveKeys: RFC 5869 HKDF-SHA-256 over the X25519 shared secret, salted with both public
// keys (so a key is bound to this ephemeral and this receiver), one key per direction.
Result<Keys> DeriveKeys(const crypto::SecretBytes& shared, const X25519Public& ephemeral,
                        const X25519Public& receiver, std::string_view context) {
  Bytes salt(ephemeral.begin(), ephemeral.end());
  salt.insert(salt.end(), receiver.begin(), receiver.end());
  const std::string req_info = std::string(kLabel) + "request " + std::string(context);
  const std::string ans_info = std::string(kLabel) + "answer " + std::string(context);
  IOTSEC_TRY(k_req, crypto::HkdfSha256(shared.span(), salt, AsBytes(req_info), 16));
  IOTSEC_TRY(k_ans, crypto::HkdfSha256(shared.span(), salt, AsBytes(ans_info), 16));
  IOTSEC_TRY(req, cose::Encrypt0Key::Create(cose::Algorithm::kA128Gcm, std::move(k_req)));
  IOTSEC_TRY(ans, cose::Encrypt0Key::Create(cose::Algorithm::kA128Gcm, std::move(k_ans)));
  return Keys{std::move(req), std::move(ans)};
}

cbor::Value EphemeralKey(const X25519Public& pub) {
  cbor::Value key = cbor::Value::Map();
  (void)key.Set(cbor::Value::Int(kKeyType), cbor::Value::Uint(kKeyTypeOkp));
  (void)key.Set(cbor::Value::Int(kOkpCurve), cbor::Value::Uint(kCurveX25519));
  (void)key.Set(cbor::Value::Int(kOkpX), cbor::Value::ByteString(pub));
  return key;
}

// ParseEphemeralKey reads exactly {1: 1, -1: 4, -2: bstr .size 32}.
Result<X25519Public> ParseEphemeralKey(const cose::MessageHeaders& h) {
  auto found = h.Find(kEphemeralKeyLabel);
  if (!found) {
    return Malformed("no ephemeral key (header -1)");
  }
  const cbor::Value& key = **found;
  auto entries = key.as_map();
  if (!entries || entries->size() != 3) {
    return Malformed("the ephemeral key is not a COSE_Key of 3 parameters");
  }
  auto kty = key.Find(kKeyType);
  auto crv = key.Find(kOkpCurve);
  auto x = key.Find(kOkpX);
  if (!kty || !crv || !x || (*kty)->as_uint().value_or(0) != kKeyTypeOkp ||
      (*crv)->as_uint().value_or(0) != kCurveX25519) {
    return Malformed("the ephemeral key is not an OKP X25519 key");
  }
  auto bytes = (*x)->as_bytes();
  if (!bytes || bytes->size() != crypto::kX25519KeySize) {
    return Malformed("the ephemeral key is not 32 octets");
  }
  X25519Public out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Status CheckSize(ByteSpan message) {
  if (message.size() > kMaxSealedSize) {
    return Malformed("larger than " + std::to_string(kMaxSealedSize) + " octets");
  }
  return Ok();
}

// Opened turns a decryption failure into kUnauthenticated for a message that parsed.
Result<crypto::SecretBytes> Decrypt(ByteSpan message, const cose::Encrypt0Key& key, ByteSpan aad) {
  auto d = cose::DecryptEncrypt0(message, key, aad);
  if (!d) {
    if (d.error().code() == ErrorCode::kInvalidArgument) {
      return Malformed(d.error().message());
    }
    return Fail(ErrorCode::kUnauthenticated,
                "sealed message does not open: " + d.error().message());
  }
  return std::move(d->plaintext);
}

}  // namespace

Result<SealedRequest> SealRequest(const X25519Public& receiver, std::string_view receiver_id,
                                  std::string_view context, ByteSpan body) {
  IOTSEC_TRY(ephemeral, crypto::X25519PrivateKey::Generate());
  return SealRequest(receiver, receiver_id, context, body, ephemeral);
}

Result<SealedRequest> SealRequest(const X25519Public& receiver, std::string_view receiver_id,
                                  std::string_view context, ByteSpan body,
                                  const crypto::X25519PrivateKey& ephemeral) {
  if (receiver_id.empty() || context.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "sealing needs a receiver id and a context");
  }
  const X25519Public e_pub = ephemeral.PublicKey();
  IOTSEC_TRY(shared, ephemeral.Agree(receiver));
  IOTSEC_TRY(keys, DeriveKeys(shared, e_pub, receiver, context));
  cose::Headers headers;
  headers.SetUnprotected(kEphemeralKeyLabel, EphemeralKey(e_pub));
  // The kid is protected, so that no one on the way can change it unnoticed.
  headers.SetProtected(4, cbor::Value::ByteString(AsBytes(receiver_id)));
  IOTSEC_TRY(message,
             cose::Encrypt0(keys.request, body, Aad(context), headers, cose::Tagging::kUntagged));
  IOTSEC_RETURN_IF_ERROR(CheckSize(message));
  return SealedRequest{std::move(message), SealAccess::Make(std::move(keys.answer))};
}

Result<OpenedRequest> OpenRequest(const crypto::X25519PrivateKey& receiver,
                                  std::string_view context, ByteSpan message) {
  IOTSEC_RETURN_IF_ERROR(CheckSize(message));
  IOTSEC_TRY(headers, cose::PeekHeaders(message, cose::MessageType::kEncrypt0));
  IOTSEC_TRY(e_pub, ParseEphemeralKey(headers));
  auto shared = receiver.Agree(e_pub);
  if (!shared) {
    return Malformed("unusable ephemeral key: " + shared.error().message());
  }
  IOTSEC_TRY(keys, DeriveKeys(*shared, e_pub, receiver.PublicKey(), context));
  IOTSEC_TRY(body, Decrypt(message, keys.request, Aad(context)));
  return OpenedRequest{std::move(body), e_pub, SealAccess::Make(std::move(keys.answer))};
}

Result<Bytes> SealAnswer(const AnswerKey& key, ByteSpan body) {
  IOTSEC_TRY(message, cose::Encrypt0(SealAccess::Key(key), body, Aad("answer"), {},
                                     cose::Tagging::kUntagged));
  IOTSEC_RETURN_IF_ERROR(CheckSize(message));
  return message;
}

Result<crypto::SecretBytes> OpenAnswer(const AnswerKey& key, ByteSpan message) {
  IOTSEC_RETURN_IF_ERROR(CheckSize(message));
  return Decrypt(message, SealAccess::Key(key), Aad("answer"));
}

Result<crypto::X25519PrivateKey> LoadOrCreateOnboardingKey(const std::string& path,
                                                           bool* created) {
  if (created != nullptr) {
    *created = false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    IOTSEC_TRY(key, crypto::X25519PrivateKey::Generate());
    IOTSEC_TRY(raw, key.PrivateBytes());
    IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(path, ByteSpan(raw.data(), raw.size()), 0600));
    if (created != nullptr) {
      *created = true;
    }
    return key;
  }
  crypto::SecretBytes raw;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, raw, crypto::kX25519KeySize));
  if (raw.size() != crypto::kX25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument, path + ": want a 32-octet X25519 private key, got " +
                                                 std::to_string(raw.size()) + " octets");
  }
  return crypto::X25519PrivateKey::FromBytes(ByteSpan(raw.data(), raw.size()));
}

}  // namespace iotsec::onboard
