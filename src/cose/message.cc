// Copyright iotsec authors.
#include "message.h"

#include <string>
#include <utility>

namespace iotsec::cose::internal {
namespace {

struct Shape {
  uint64_t tag;
  size_t fields;
};

Shape ShapeOf(MessageType type) {
  // RFC 9052 §2, Table 1 (tags); §4.2, §5.2, §6.2 (array lengths).
  switch (type) {
    case MessageType::kSign1:
      return {kTagSign1, 4};
    case MessageType::kEncrypt0:
      return {kTagEncrypt0, 3};
    case MessageType::kMac0:
      return {kTagMac0, 4};
  }
  return {0, 0};
}

Unexpected Malformed(MessageType type, const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, std::string(MessageTypeName(type)) + ": " + what);
}

bool IsIntLabel(const cbor::Value& label, int64_t want) {
  auto v = label.as_int();
  return v.has_value() && *v == want;
}

// CheckBuckets checks the rules of RFC 9052 §3 and §3.1 for the two header buckets, and the
// restrictions of doc/formats/cbor-cose.md.
Status CheckBuckets(MessageType type, const cbor::Value& prot, const cbor::Value& unprot) {
  bool has_iv = false;
  bool has_partial_iv = false;
  for (int bucket = 0; bucket < 2; ++bucket) {
    const cbor::Value& mine = bucket == 0 ? prot : unprot;
    const cbor::Value& other = bucket == 0 ? unprot : prot;
    const char* where = bucket == 0 ? "protected" : "unprotected";
    IOTSEC_TRY(entries, mine.as_map());
    for (const cbor::MapEntry& e : entries) {
      const cbor::Type lt = e.key.type();
      // RFC 9052 §3: label = int / tstr.
      if (lt != cbor::Type::kUnsigned && lt != cbor::Type::kNegative && lt != cbor::Type::kText) {
        return Malformed(type, std::string(where) + " header label " + cbor::ToDiagnostic(e.key) +
                                   " is neither an integer nor a text string");
      }
      // RFC 9052 §3: a label must not occur in both buckets.
      if (bucket == 0 && other.Contains(e.key)) {
        return Malformed(type, "header parameter " + cbor::ToDiagnostic(e.key) +
                                   " is in both the protected and the unprotected header");
      }
      const cbor::Type vt = e.value.type();
      const bool is_int = vt == cbor::Type::kUnsigned || vt == cbor::Type::kNegative;
      if (IsIntLabel(e.key, kHeaderAlg)) {
        // iotsec takes alg from the protected header only, so that it is always covered.
        if (bucket == 1) {
          return Malformed(type, "alg must be in the protected header");
        }
        if (!is_int && vt != cbor::Type::kText) {
          return Malformed(type, "alg must be an integer or a text string");
        }
      } else if (IsIntLabel(e.key, kHeaderCrit)) {
        // RFC 9052 §3.1: a recipient must refuse crit labels it does not understand; iotsec
        // understands no extension parameters, so it refuses crit altogether.
        return Malformed(type, "critical header parameters (crit) are not supported");
      } else if (IsIntLabel(e.key, kHeaderContentType)) {
        if (vt != cbor::Type::kUnsigned && vt != cbor::Type::kText) {
          return Malformed(type, "content type must be an unsigned integer or a text string");
        }
      } else if (IsIntLabel(e.key, kHeaderKid)) {
        if (vt != cbor::Type::kBytes) {
          return Malformed(type, "kid must be a byte string");
        }
      } else if (IsIntLabel(e.key, kHeaderIv) || IsIntLabel(e.key, kHeaderPartialIv)) {
        if (vt != cbor::Type::kBytes) {
          return Malformed(type, "IV and Partial IV must be byte strings");
        }
        (IsIntLabel(e.key, kHeaderIv) ? has_iv : has_partial_iv) = true;
      }
    }
  }
  // RFC 9052 §3.1: IV and Partial IV must not both be present.
  if (has_iv && has_partial_iv) {
    return Malformed(type, "IV and Partial IV must not both be present");
  }
  return Ok();
}

Result<Algorithm> AlgorithmFor(MessageType type, const cbor::Value& v) {
  auto id = v.as_int();
  if (id.has_value()) {
    switch (*id) {
      case static_cast<int64_t>(Algorithm::kEs256):
      case static_cast<int64_t>(Algorithm::kEdDsa):
        if (type == MessageType::kSign1) {
          return static_cast<Algorithm>(*id);
        }
        break;
      case static_cast<int64_t>(Algorithm::kA128Gcm):
      case static_cast<int64_t>(Algorithm::kA256Gcm):
        if (type == MessageType::kEncrypt0) {
          return static_cast<Algorithm>(*id);
        }
        break;
      case static_cast<int64_t>(Algorithm::kHmac256_64):
      case static_cast<int64_t>(Algorithm::kHmac256_256):
        if (type == MessageType::kMac0) {
          return static_cast<Algorithm>(*id);
        }
        break;
      default:
        break;
    }
  }
  return Malformed(type, "algorithm " + cbor::ToDiagnostic(v) + " is not supported for " +
                             std::string(MessageTypeName(type)));
}

}  // namespace

Result<ParsedMessage> ParseMessage(ByteSpan message, MessageType type) {
  const Shape shape = ShapeOf(type);
  auto decoded = cbor::Decode(message);
  if (!decoded.has_value()) {
    return Malformed(type, decoded.error().message());
  }
  const cbor::Value* array = &*decoded;
  if (decoded->type() == cbor::Type::kTag) {
    // RFC 9052 §2: the tag, when present, must be the one of the expected structure.
    const uint64_t tag = *decoded->tag_number();
    if (tag != shape.tag) {
      return Malformed(type, "CBOR tag " + std::to_string(tag) + " is not the " +
                                 std::string(MessageTypeName(type)) + " tag " +
                                 std::to_string(shape.tag));
    }
    array = *decoded->tag_content();
  }
  auto items = array->as_array();
  if (!items.has_value()) {
    return Malformed(
        type, "the message is a " + std::string(cbor::TypeName(array->type())) + ", not an array");
  }
  if (items->size() != shape.fields) {
    return Malformed(type, "the message array has " + std::to_string(items->size()) +
                               " elements, expected " + std::to_string(shape.fields));
  }
  const cbor::Value& prot = (*items)[0];
  const cbor::Value& unprot = (*items)[1];
  auto prot_octets = prot.as_bytes();
  if (!prot_octets.has_value()) {
    return Malformed(type, "the protected header is not a byte string");
  }
  ParsedMessage out;
  out.headers.protected_octets = ToBytes(*prot_octets);
  if (!prot_octets->empty()) {
    auto map = cbor::Decode(*prot_octets);
    if (!map.has_value()) {
      return Malformed(type, "protected header: " + map.error().message());
    }
    if (map->type() != cbor::Type::kMap) {
      return Malformed(type, "the protected header is not a map");
    }
    if (map->as_map()->empty()) {
      // RFC 9052 §3: an empty protected header is a zero-length byte string.
      return Malformed(type, "an empty protected header must be a zero-length byte string");
    }
    out.headers.protected_map = std::move(*map);
  }
  if (unprot.type() != cbor::Type::kMap) {
    return Malformed(type, "the unprotected header is not a map");
  }
  out.headers.unprotected_map = unprot;
  IOTSEC_RETURN_IF_ERROR(
      CheckBuckets(type, out.headers.protected_map, out.headers.unprotected_map));
  auto alg = out.headers.protected_map.Find(kHeaderAlg);
  if (!alg.has_value()) {
    return Malformed(type, "the protected header has no alg");
  }
  IOTSEC_TRY(algorithm, AlgorithmFor(type, **alg));
  out.headers.alg = algorithm;

  const cbor::Value& body = (*items)[2];
  if (body.is_null()) {
    // RFC 9052 §4.1, §5.1, §6.1: nil means detached content, which iotsec does not use.
    return Malformed(type, "detached content (nil payload or ciphertext) is not supported");
  }
  auto body_octets = body.as_bytes();
  if (!body_octets.has_value()) {
    return Malformed(type, "the payload or ciphertext is not a byte string");
  }
  out.body = ToBytes(*body_octets);
  if (shape.fields == 4) {
    auto trailer = (*items)[3].as_bytes();
    if (!trailer.has_value()) {
      return Malformed(type, "the signature or tag is not a byte string");
    }
    out.trailer = ToBytes(*trailer);
  }
  return out;
}

Result<PreparedHeaders> PrepareHeaders(const Headers& headers, Algorithm alg,
                                       std::vector<cbor::MapEntry> library_unprotected) {
  const cbor::Value& prot = headers.protected_map();
  const cbor::Value& unprot = headers.unprotected_map();
  for (int64_t reserved : {kHeaderAlg, kHeaderCrit, kHeaderIv, kHeaderPartialIv}) {
    if (prot.Contains(cbor::Value::Int(reserved)) || unprot.Contains(cbor::Value::Int(reserved))) {
      return Fail(ErrorCode::kInvalidArgument,
                  "header parameter " + std::to_string(reserved) +
                      " (alg, crit, IV or Partial IV) is set by the library, not the caller");
    }
  }
  cbor::Value full_prot = prot;
  IOTSEC_RETURN_IF_ERROR(
      full_prot.Set(cbor::Value::Int(kHeaderAlg), cbor::Value::Int(static_cast<int64_t>(alg))));
  cbor::Value full_unprot = unprot;
  for (cbor::MapEntry& e : library_unprotected) {
    IOTSEC_RETURN_IF_ERROR(full_unprot.Set(std::move(e.key), std::move(e.value)));
  }
  MessageType type = MessageType::kSign1;
  if (alg == Algorithm::kA128Gcm || alg == Algorithm::kA256Gcm) {
    type = MessageType::kEncrypt0;
  } else if (alg == Algorithm::kHmac256_64 || alg == Algorithm::kHmac256_256) {
    type = MessageType::kMac0;
  }
  IOTSEC_RETURN_IF_ERROR(CheckBuckets(type, full_prot, full_unprot));
  PreparedHeaders out;
  // RFC 9052 §3: the protected bucket is a bstr holding the encoded map, or a zero-length
  // bstr when the map is empty (never the case here: alg is always protected).
  IOTSEC_TRY(octets, cbor::Encode(full_prot));
  out.protected_octets = std::move(octets);
  out.unprotected_map = std::move(full_unprot);
  return out;
}

Result<Bytes> AssembleMessage(MessageType type, Tagging tagging, PreparedHeaders headers,
                              std::vector<cbor::Value> fields) {
  std::vector<cbor::Value> items;
  items.reserve(2 + fields.size());
  items.push_back(cbor::Value::ByteString(headers.protected_octets));
  items.push_back(std::move(headers.unprotected_map));
  for (cbor::Value& f : fields) {
    items.push_back(std::move(f));
  }
  cbor::Value message = cbor::Value::Array(std::move(items));
  if (tagging == Tagging::kTagged) {
    message = cbor::Value::Tagged(ShapeOf(type).tag, std::move(message));
  }
  return cbor::Encode(message);
}

Status RequireKeyAlgorithm(Algorithm alg, Algorithm key_alg) {
  if (alg != key_alg) {
    return Fail(ErrorCode::kUnauthenticated, "the message's alg " +
                                                 std::string(AlgorithmName(alg)) +
                                                 " is not the algorithm of the key (" +
                                                 std::string(AlgorithmName(key_alg)) + ")");
  }
  return Ok();
}

}  // namespace iotsec::cose::internal
