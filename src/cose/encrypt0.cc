// Copyright iotsec authors.
// COSE_Encrypt0 (RFC 9052 §5.2, §5.3) with AES-GCM (RFC 9053 §4.1).
#include "iotsec/cose/encrypt0.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/crypto/aead.h"
#include "message.h"

namespace iotsec::cose {

Result<Bytes> Encrypt0(const Encrypt0Key& key, ByteSpan plaintext, ByteSpan external_aad,
                       const Headers& headers, Tagging tagging, crypto::Rng& rng) {
  // RFC 9053 §4.1: a 96-bit IV, carried in the IV header parameter; it must be unique per key.
  std::array<uint8_t, crypto::kAesGcmNonceSize> iv;
  IOTSEC_RETURN_IF_ERROR(rng.Fill(iv));
  std::vector<cbor::MapEntry> library;
  library.push_back(cbor::MapEntry{cbor::Value::Int(kHeaderIv), cbor::Value::ByteString(iv)});
  IOTSEC_TRY(prepared, internal::PrepareHeaders(headers, key.algorithm(), std::move(library)));
  // RFC 9052 §5.3: the Enc_structure is the AEAD's additional data.
  IOTSEC_TRY(ciphertext,
             crypto::AesGcmSeal(key.key(), iv,
                                EncStructure0(prepared.protected_octets, external_aad), plaintext));
  std::vector<cbor::Value> fields;
  fields.push_back(cbor::Value::ByteString(ciphertext));
  return internal::AssembleMessage(MessageType::kEncrypt0, tagging, std::move(prepared),
                                   std::move(fields));
}

Result<DecryptedEncrypt0> DecryptEncrypt0(ByteSpan message, const Encrypt0Key& key,
                                          ByteSpan external_aad) {
  IOTSEC_TRY(parsed, internal::ParseMessage(message, MessageType::kEncrypt0));
  IOTSEC_RETURN_IF_ERROR(internal::RequireKeyAlgorithm(parsed.headers.alg, key.algorithm()));
  if (parsed.headers.Find(kHeaderPartialIv).has_value()) {
    // RFC 9052 §3.1: a Partial IV needs a context IV, which a bare Encrypt0 key does not have.
    return Fail(ErrorCode::kInvalidArgument, "COSE_Encrypt0: Partial IV is not supported");
  }
  auto iv_value = parsed.headers.Find(kHeaderIv);
  if (!iv_value.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, "COSE_Encrypt0: the message has no IV");
  }
  ByteSpan iv = *(*iv_value)->as_bytes();  // CheckBuckets made sure it is a bstr
  if (iv.size() != crypto::kAesGcmNonceSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "COSE_Encrypt0: the IV must be 12 octets, got " + std::to_string(iv.size()));
  }
  if (parsed.body.size() < crypto::kAesGcmTagSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "COSE_Encrypt0: the ciphertext is shorter than the 16-octet tag");
  }
  IOTSEC_TRY(plaintext,
             crypto::AesGcmOpen(key.key(), iv,
                                EncStructure0(parsed.headers.protected_octets, external_aad),
                                parsed.body));
  return DecryptedEncrypt0{std::move(parsed.headers), std::move(plaintext)};
}

}  // namespace iotsec::cose
