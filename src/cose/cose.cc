// Copyright iotsec authors.
// What the COSE messages share: names, Headers, MessageHeaders and the RFC 9052 structures.
#include "iotsec/cose/cose.h"

#include <string>

#include "message.h"

namespace iotsec::cose {
namespace {

void AppendBstr(Bytes& out, ByteSpan b) {
  cbor::AppendHead(out, 2, b.size());
  Append(out, b);
}

void AppendTstr(Bytes& out, std::string_view s) {
  cbor::AppendHead(out, 3, s.size());
  Append(out, AsBytes(s));
}

}  // namespace

std::string_view AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return "ES256";
    case Algorithm::kEdDsa:
      return "EdDSA";
    case Algorithm::kA128Gcm:
      return "A128GCM";
    case Algorithm::kA256Gcm:
      return "A256GCM";
    case Algorithm::kHmac256_64:
      return "HMAC 256/64";
    case Algorithm::kHmac256_256:
      return "HMAC 256/256";
  }
  return "unknown";
}

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kSign1:
      return "COSE_Sign1";
    case MessageType::kEncrypt0:
      return "COSE_Encrypt0";
    case MessageType::kMac0:
      return "COSE_Mac0";
  }
  return "COSE";
}

Headers& Headers::SetProtected(cbor::Value label, cbor::Value value) {
  (void)protected_.Set(std::move(label), std::move(value));  // cannot fail: protected_ is a map
  return *this;
}

Headers& Headers::SetProtected(int64_t label, cbor::Value value) {
  return SetProtected(cbor::Value::Int(label), std::move(value));
}

Headers& Headers::SetUnprotected(cbor::Value label, cbor::Value value) {
  (void)unprotected_.Set(std::move(label), std::move(value));  // cannot fail: a map
  return *this;
}

Headers& Headers::SetUnprotected(int64_t label, cbor::Value value) {
  return SetUnprotected(cbor::Value::Int(label), std::move(value));
}

Headers& Headers::SetKid(ByteSpan kid) {
  return SetUnprotected(kHeaderKid, cbor::Value::ByteString(kid));
}

Headers& Headers::SetContentType(uint64_t content_format) {
  return SetProtected(kHeaderContentType, cbor::Value::Uint(content_format));
}

Result<const cbor::Value*> MessageHeaders::Find(int64_t label) const {
  auto p = protected_map.Find(label);
  if (p.has_value()) {
    return *p;
  }
  auto u = unprotected_map.Find(label);
  if (u.has_value()) {
    return *u;
  }
  return Fail(ErrorCode::kNotFound, "no header parameter " + std::to_string(label));
}

Result<ByteSpan> MessageHeaders::kid() const {
  IOTSEC_TRY(v, Find(kHeaderKid));
  return v->as_bytes();
}

Result<MessageHeaders> PeekHeaders(ByteSpan message, MessageType type) {
  IOTSEC_TRY(parsed, internal::ParseMessage(message, type));
  return std::move(parsed.headers);
}

Bytes SigStructure1(ByteSpan body_protected, ByteSpan external_aad, ByteSpan payload) {
  // RFC 9052 §4.4: Sig_structure = [context: "Signature1", body_protected: empty_or_serialized_map,
  // external_aad: bstr, payload: bstr] (no sign_protected for COSE_Sign1).
  Bytes out;
  cbor::AppendHead(out, 4, 4);
  AppendTstr(out, "Signature1");
  AppendBstr(out, body_protected);
  AppendBstr(out, external_aad);
  AppendBstr(out, payload);
  return out;
}

Bytes EncStructure0(ByteSpan body_protected, ByteSpan external_aad) {
  // RFC 9052 §5.3: Enc_structure = [context: "Encrypt0", protected: empty_or_serialized_map,
  // external_aad: bstr].
  Bytes out;
  cbor::AppendHead(out, 4, 3);
  AppendTstr(out, "Encrypt0");
  AppendBstr(out, body_protected);
  AppendBstr(out, external_aad);
  return out;
}

Bytes MacStructure0(ByteSpan body_protected, ByteSpan external_aad, ByteSpan payload) {
  // RFC 9052 §6.3: MAC_structure = [context: "MAC0", protected: empty_or_serialized_map,
  // external_aad: bstr, payload: bstr].
  Bytes out;
  cbor::AppendHead(out, 4, 4);
  AppendTstr(out, "MAC0");
  AppendBstr(out, body_protected);
  AppendBstr(out, external_aad);
  AppendBstr(out, payload);
  return out;
}

}  // namespace iotsec::cose
