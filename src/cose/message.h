// Copyright iotsec authors.
// Internal to cose/: the parts of parsing and building that COSE_Sign1, COSE_Encrypt0 and
// COSE_Mac0 share (RFC 9052 §2, §3).
#ifndef IOTSEC_COSE_MESSAGE_H_
#define IOTSEC_COSE_MESSAGE_H_

#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/cbor.h"
#include "iotsec/cose/cose.h"

namespace iotsec::cose::internal {

// ParsedMessage is a received message whose structure and headers have been checked.
struct ParsedMessage {
  MessageHeaders headers;
  // body is the payload (Sign1, Mac0) or the ciphertext (Encrypt0), never detached.
  Bytes body;
  // trailer is the signature (Sign1) or tag (Mac0); empty for Encrypt0.
  Bytes trailer;
};

// ParseMessage decodes |message| as a COSE message of |type|, tagged or untagged, checks the
// header buckets (CheckBuckets) and takes alg from the protected bucket. Fails with
// kInvalidArgument naming the problem.
Result<ParsedMessage> ParseMessage(ByteSpan message, MessageType type);

// PreparedHeaders are the two header buckets of a message being built.
struct PreparedHeaders {
  Bytes protected_octets;  // encoded protected map; empty when the map is empty
  cbor::Value unprotected_map;
};

// PrepareHeaders merges the caller's |headers| with what the library sets: alg (protected)
// and |library_unprotected| (e.g. the IV). Fails with kInvalidArgument when the caller set alg,
// IV, Partial IV or crit, or the buckets break the rules of CheckBuckets.
Result<PreparedHeaders> PrepareHeaders(const Headers& headers, Algorithm alg,
                                       std::vector<cbor::MapEntry> library_unprotected);

// AssembleMessage encodes [protected, unprotected, fields...], tagged per |tagging|.
Result<Bytes> AssembleMessage(MessageType type, Tagging tagging, PreparedHeaders headers,
                              std::vector<cbor::Value> fields);

// RequireKeyAlgorithm returns Ok() when the message's |alg| is |key_alg|, else
// kUnauthenticated (the message does not claim to be made with this key).
Status RequireKeyAlgorithm(Algorithm alg, Algorithm key_alg);

}  // namespace iotsec::cose::internal

#endif  // IOTSEC_COSE_MESSAGE_H_
