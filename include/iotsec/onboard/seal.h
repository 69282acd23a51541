// Copyright iotsec authors.
// Sealing onboarding messages (doc/protocol/onboarding.md §3.1): a request is sealed to the
// receiver's static X25519 key with a fresh ephemeral key, in the manner of HPKE base mode
// (RFC 9180 §5.1): X25519 (RFC 7748) shared secret, HKDF-SHA-256 (RFC 5869) into one AES-128-GCM
// key for the request and one for its answer, each message a COSE_Encrypt0 (RFC 9052 §5.2).
// Only the receiver opens the request; only the requester opens the answer; a passive observer
// learns neither side's identity from the request (the ephemeral key is fresh and the body is
// encrypted). Device-safe: crypto and COSE only.
#ifndef IOTSEC_ONBOARD_SEAL_H_
#define IOTSEC_ONBOARD_SEAL_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/cose/keys.h"
#include "iotsec/crypto/ecdh.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::onboard {

// kMaxSealedSize bounds a sealed message (request or answer) that Open* accepts.
inline constexpr size_t kMaxSealedSize = 8192;

// X25519Public is a receiver's static public key (RFC 7748 §6.1).
using X25519Public = std::array<uint8_t, crypto::kX25519KeySize>;

// AnswerKey is the key that seals and opens the answer to one request. Secret; move-only.
class AnswerKey {
 public:
  AnswerKey(AnswerKey&&) noexcept = default;
  AnswerKey& operator=(AnswerKey&&) noexcept = default;

 private:
  friend struct SealAccess;
  explicit AnswerKey(cose::Encrypt0Key key) : key_(std::move(key)) {}
  cose::Encrypt0Key key_;
};

// SealedRequest is a sealed request and the key its answer will be sealed with.
struct SealedRequest {
  Bytes message;
  AnswerKey answer_key;
};

// SealRequest seals |body| to the receiver whose static key is |receiver| and whose name is
// |receiver_id| (carried as the COSE kid so that a service with several keys picks one; it is
// public anyway: the device chose whom to talk to). |context| names the exchange (e.g.
// "discovery") and is bound into the key derivation, so that a message of one exchange cannot
// be replayed into another. Fails with kInvalidArgument for an empty |receiver_id| or
// |context|, or a body that would exceed kMaxSealedSize; kUnavailable if randomness fails.
Result<SealedRequest> SealRequest(const X25519Public& receiver, std::string_view receiver_id,
                                  std::string_view context, ByteSpan body);

// SealRequest with |ephemeral| chosen by the caller, for a body that must sign over the
// ephemeral public key (the onboarding transcript). |ephemeral| must be fresh and used once.
Result<SealedRequest> SealRequest(const X25519Public& receiver, std::string_view receiver_id,
                                  std::string_view context, ByteSpan body,
                                  const crypto::X25519PrivateKey& ephemeral);

// OpenedRequest is an opened request: its body, the requester's ephemeral public key (which
// transcripts sign over), and the key to seal the answer with.
struct OpenedRequest {
  crypto::SecretBytes body;
  X25519Public ephemeral{};
  AnswerKey answer_key;
};

// OpenRequest opens |message| with the receiver's static key under |context|. Fails with
// kInvalidArgument when the message is malformed or over kMaxSealedSize (no ephemeral key of
// the right form, not a COSE_Encrypt0 of AES-128-GCM), kUnauthenticated when it does not open
// (sealed to another key or context, or changed on the way).
Result<OpenedRequest> OpenRequest(const crypto::X25519PrivateKey& receiver,
                                  std::string_view context, ByteSpan message);

// SealAnswer seals |body| with the answer key of a request.
Result<Bytes> SealAnswer(const AnswerKey& key, ByteSpan body);

// OpenAnswer opens the answer to a request with its answer key. Fails as OpenRequest.
Result<crypto::SecretBytes> OpenAnswer(const AnswerKey& key, ByteSpan message);

// LoadOrCreateOnboardingKey returns a service's static X25519 onboarding key from |path|
// (exactly 32 raw octets, RFC 7748 §5), generating it and writing it atomically with mode 0600
// when the file does not exist (|created| then says so, if given). Fails with
// kInvalidArgument for a file of another size, or the file error.
Result<crypto::X25519PrivateKey> LoadOrCreateOnboardingKey(const std::string& path,
                                                           bool* created = nullptr);

}  // namespace iotsec::onboard

#endif  // IOTSEC_ONBOARD_SEAL_H_
