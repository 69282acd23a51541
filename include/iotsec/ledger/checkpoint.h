// Copyright iotsec authors.
// Ledger checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes with Ed25519 signatures,
// accepted with k-of-n signatures from a set of trust anchors (ARCHITECTURE.md §5).
//
// The exact format that is emitted and accepted is doc/formats/checkpoint.md. Device-safe
// (library iotsec_ledger_verify): parsing is strict and bounded, whatever the bytes.
#ifndef IOTSEC_LEDGER_CHECKPOINT_H_
#define IOTSEC_LEDGER_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/merkle.h"

namespace iotsec::ledger {

// kMaxNoteSize bounds a signed note, in octets.
inline constexpr size_t kMaxNoteSize = size_t{1} << 20;
// kMaxNoteSignatures bounds the number of signature lines of a note.
inline constexpr size_t kMaxNoteSignatures = 100;
// kEd25519SignatureType is the signed-note signature type of Ed25519 (c2sp.org/signed-note).
inline constexpr uint8_t kEd25519SignatureType = 0x01;

// Checkpoint is a signed tree head: the body of a checkpoint note (c2sp.org/tlog-checkpoint).
struct Checkpoint {
  // origin names the log (first line); non-empty.
  std::string origin;
  // size is the number of leaves of the tree.
  uint64_t size = 0;
  // root is the RFC 9162 root hash of the first |size| leaves.
  Hash root{};
  // extensions are the optional, opaque, non-empty lines after the root.
  std::vector<std::string> extensions;

  bool operator==(const Checkpoint&) const = default;
};

// FormatCheckpoint returns the note text "<origin>\n<size>\n<base64 root>\n" followed by one
// line per extension. Fails with kInvalidArgument when the origin is empty or an origin or
// extension line is empty, holds a newline or control character, or is not UTF-8.
Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// ParseCheckpoint parses a checkpoint note text (not a whole note), accepting exactly what
// FormatCheckpoint emits. Fails with kInvalidArgument, saying which line is wrong. It does not
// check signatures: use OpenCheckpoint for anything received.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// NoteSignature is one signature line of a signed note: "— <name> base64(key_id || signature)".
struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  Bytes signature;  // at least one octet; 64 for Ed25519

  bool operator==(const NoteSignature&) const = default;
};

// SignedNote is a parsed, unverified signed note: its text (ending in a newline) and its
// signature lines in order.
struct SignedNote {
  std::string text;
  std::vector<NoteSignature> signatures;

  bool operator==(const SignedNote&) const = default;
};

// ParseNote splits |note| into text and signature lines (c2sp.org/signed-note) without
// verifying anything. Accepts exactly one encoding: at most kMaxNoteSize octets, valid UTF-8,
// no control character but newline (so no CR), the text separated from 1 to kMaxNoteSignatures
// signature lines by the last blank line, valid key names, canonical padded base64 of at least
// five octets. Fails with kInvalidArgument otherwise.
Result<SignedNote> ParseNote(ByteSpan note);

// FormatNote is the inverse of ParseNote. Fails with kInvalidArgument when |note| would not
// parse back (bad text, bad name, empty signature, no or too many signatures, too large).
Result<std::string> FormatNote(const SignedNote& note);

// NoteVerifier is a trusted Ed25519 note key: a key name, its key ID and its public key.
class NoteVerifier {
 public:
  // Create makes the verifier of |key| under |name|. Fails with kInvalidArgument when |name|
  // is not a valid key name (empty, not UTF-8, holding a space or '+' or a control character).
  static Result<NoteVerifier> Create(std::string_view name, const crypto::Ed25519PublicKey& key);
  // Parse reads the standard verifier key text "<name>+<8 lowercase hex key ID>+<base64(0x01 ||
  // 32-octet key)>". Fails with kInvalidArgument when it is malformed, the type is not Ed25519
  // or the key ID does not match the name and key.
  static Result<NoteVerifier> Parse(std::string_view vkey);

  // name returns the key name.
  const std::string& name() const { return name_; }
  // key_id returns SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian integer.
  uint32_t key_id() const { return key_id_; }
  // public_key returns the Ed25519 public key.
  const crypto::Ed25519PublicKey& public_key() const { return key_; }
  // VerifierKey returns the standard verifier key text that Parse reads.
  std::string VerifierKey() const;
  // Verify checks the Ed25519 |signature| (without key ID) over the note text |text|. Fails
  // with kUnauthenticated when it does not verify or is not 64 octets.
  Status Verify(std::string_view text, ByteSpan signature) const;

 private:
  NoteVerifier(std::string name, uint32_t key_id, crypto::Ed25519PublicKey key)
      : name_(std::move(name)), key_id_(key_id), key_(std::move(key)) {}

  std::string name_;
  uint32_t key_id_;
  crypto::Ed25519PublicKey key_;
};

// NoteSigner signs notes with an Ed25519 key under a key name. It holds the key inside OpenSSL
// (crypto::Ed25519PrivateKey); copies share it.
class NoteSigner {
 public:
  // Create makes a signer. Fails with kInvalidArgument when |name| is not a valid key name.
  static Result<NoteSigner> Create(std::string_view name, crypto::Ed25519PrivateKey key);

  // name returns the key name.
  const std::string& name() const { return verifier_.name(); }
  // key_id returns the key ID (as NoteVerifier::key_id).
  uint32_t key_id() const { return verifier_.key_id(); }
  // Verifier returns the matching verifier, to give to those who trust this key.
  const NoteVerifier& Verifier() const { return verifier_; }
  // Sign returns this key's signature line for the note text |text|. Fails with
  // kInvalidArgument when |text| is not a valid note text, kInternal if OpenSSL fails.
  Result<NoteSignature> Sign(std::string_view text) const;

 private:
  NoteSigner(crypto::Ed25519PrivateKey key, NoteVerifier verifier)
      : key_(std::move(key)), verifier_(std::move(verifier)) {}

  crypto::Ed25519PrivateKey key_;
  NoteVerifier verifier_;
};

// SignNote returns the signed note of |text| with one signature by |signer|. Fails with
// kInvalidArgument when |text| is not a valid note text (non-empty, ending in a newline, UTF-8,
// no control character but newline) or the note would exceed kMaxNoteSize.
Result<std::string> SignNote(std::string_view text, const NoteSigner& signer);

// OpenNote verifies |note| against |anchors| and returns its text when at least |threshold|
// distinct anchors have a valid signature on it. Signatures whose (name, key ID) match no
// anchor are ignored; a key's repeated valid signature counts once. Fails with
// kInvalidArgument when the note does not parse, |threshold| is 0 or exceeds the number of
// distinct anchors, or two anchors share a name and key ID with different keys;
// kUnauthenticated when any signature by an anchor does not verify, or fewer than |threshold|
// anchors signed.
Result<std::string> OpenNote(ByteSpan note, std::span<const NoteVerifier> anchors,
                             size_t threshold);

// SignCheckpoint returns the checkpoint note of |checkpoint| signed by |signer| (normally the
// log's key, whose name should be the origin). Fails as FormatCheckpoint and SignNote.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer);

// Cosign returns |note| with a signature line by |signer| appended (a witness cosignature). It
// does not verify the signatures already there: a witness first accepts the checkpoint with
// OpenCheckpoint and checks it against its last one with CheckNotForked. Fails with
// kInvalidArgument when |note| does not parse, its text is not a checkpoint, or the result
// would exceed the limits; kAlreadyExists when this key (name and key ID) has signed already.
Result<std::string> Cosign(std::string note, const NoteSigner& signer);

// OpenCheckpoint verifies |note| as OpenNote does and returns its checkpoint, which must be for
// |origin|. Fails as OpenNote; kInvalidArgument when the verified text is not a checkpoint;
// kUnauthenticated when it is a checkpoint of another origin.
Result<Checkpoint> OpenCheckpoint(ByteSpan note, std::string_view origin,
                                  std::span<const NoteVerifier> anchors, size_t threshold);

// CheckNotForked checks that |newer| extends |older| (both already opened): same origin, size
// not smaller, and |consistency_proof| from older.size to newer.size verifies (it must be empty
// when the sizes are equal, and the roots then equal). Returns Ok() if so. Fails with
// kFailedPrecondition and a message starting "fork detected: " when the log shows two
// histories (two roots for one size, or a consistency proof that does not verify); with
// kFailedPrecondition "rollback: ..." when newer.size < older.size; kInvalidArgument when the
// origins differ.
Status CheckNotForked(const Checkpoint& older, const Checkpoint& newer,
                      std::span<const Hash> consistency_proof);

}  // namespace iotsec::ledger

#endif  // IOTSEC_LEDGER_CHECKPOINT_H_
