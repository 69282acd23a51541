// Copyright iotsec authors.
// COSE_Sign1 (RFC 9052 §4.2, §4.4).
#include "iotsec/cose/sign1.h"

#include <utility>
#include <vector>

#include "message.h"

namespace iotsec::cose {

Result<Bytes> Sign1(const Sign1Signer& signer, ByteSpan payload, ByteSpan external_aad,
                    const Headers& headers, Tagging tagging) {
  IOTSEC_TRY(prepared, internal::PrepareHeaders(headers, signer.algorithm(), {}));
  // RFC 9052 §4.4: sign the encoded Sig_structure.
  Bytes tbs = SigStructure1(prepared.protected_octets, external_aad, payload);
  IOTSEC_TRY(signature, signer.Sign(tbs));
  std::vector<cbor::Value> fields;
  fields.push_back(cbor::Value::ByteString(payload));
  fields.push_back(cbor::Value::ByteString(signature));
  return internal::AssembleMessage(MessageType::kSign1, tagging, std::move(prepared),
                                   std::move(fields));
}

Result<VerifiedSign1> VerifySign1(ByteSpan message, const Sign1Verifier& verifier,
                                  ByteSpan external_aad) {
  IOTSEC_TRY(parsed, internal::ParseMessage(message, MessageType::kSign1));
  IOTSEC_RETURN_IF_ERROR(internal::RequireKeyAlgorithm(parsed.headers.alg, verifier.algorithm()));
  // RFC 9052 §4.4: verify over the Sig_structure built from the protected header as received.
  Bytes tbs = SigStructure1(parsed.headers.protected_octets, external_aad, parsed.body);
  IOTSEC_RETURN_IF_ERROR(verifier.Verify(tbs, parsed.trailer));
  return VerifiedSign1{std::move(parsed.headers), std::move(parsed.body)};
}

}  // namespace iotsec::cose
