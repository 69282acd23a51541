// Copyright iotsec authors.
// COSE_Mac0 (RFC 9052 §6.2, §6.3) with HMAC-SHA-256 (RFC 9053 §3.1).
#include "iotsec/cose/mac0.h"

#include <utility>
#include <vector>

#include "message.h"

namespace iotsec::cose {

Result<Bytes> Mac0(const Mac0Key& key, ByteSpan payload, ByteSpan external_aad,
                   const Headers& headers, Tagging tagging) {
  IOTSEC_TRY(prepared, internal::PrepareHeaders(headers, key.algorithm(), {}));
  // RFC 9052 §6.3: MAC the encoded MAC_structure.
  Bytes tag = key.ComputeTag(MacStructure0(prepared.protected_octets, external_aad, payload));
  std::vector<cbor::Value> fields;
  fields.push_back(cbor::Value::ByteString(payload));
  fields.push_back(cbor::Value::ByteString(tag));
  return internal::AssembleMessage(MessageType::kMac0, tagging, std::move(prepared),
                                   std::move(fields));
}

Result<VerifiedMac0> VerifyMac0(ByteSpan message, const Mac0Key& key, ByteSpan external_aad) {
  IOTSEC_TRY(parsed, internal::ParseMessage(message, MessageType::kMac0));
  IOTSEC_RETURN_IF_ERROR(internal::RequireKeyAlgorithm(parsed.headers.alg, key.algorithm()));
  IOTSEC_RETURN_IF_ERROR(key.VerifyTag(
      MacStructure0(parsed.headers.protected_octets, external_aad, parsed.body), parsed.trailer));
  return VerifiedMac0{std::move(parsed.headers), std::move(parsed.body)};
}

}  // namespace iotsec::cose
