// Copyright iotsec authors.
// Checkpoint bodies (c2sp.org/tlog-checkpoint), their signing and opening, and fork detection
// (include/iotsec/ledger/checkpoint.h, doc/formats/checkpoint.md).
#include "iotsec/ledger/checkpoint.h"

#include <algorithm>

#include "checkpoint_text.h"

namespace iotsec::ledger {
namespace {

using internal::Base64Decode;
using internal::Base64Encode;
using internal::IsNoteText;
using internal::ParseDecimal;

// CheckLine applies c2sp.org/tlog-checkpoint, "Note text", to the origin and extension lines:
// non-empty, and (c2sp.org/signed-note) UTF-8 with no control character.
Status CheckLine(std::string_view line, const std::string& what) {
  if (line.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "checkpoint: the " + what + " line is empty");
  }
  if (!IsNoteText(line, /*allow_newline=*/false)) {
    return Fail(ErrorCode::kInvalidArgument,
                "checkpoint: the " + what +
                    " line is not valid UTF-8, or holds a newline or control character");
  }
  return Ok();
}

std::string HashText(const Hash& h) { return HexEncode(h); }

}  // namespace

Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint) {
  IOTSEC_RETURN_IF_ERROR(CheckLine(checkpoint.origin, "origin"));
  for (size_t i = 0; i < checkpoint.extensions.size(); ++i) {
    IOTSEC_RETURN_IF_ERROR(CheckLine(checkpoint.extensions[i], "extension " + std::to_string(i)));
  }
  // c2sp.org/tlog-checkpoint, "Note text": origin, decimal tree size, base64 root hash, then
  // the extension lines, each ending in a newline.
  std::string out = checkpoint.origin;
  out += '\n';
  out += std::to_string(checkpoint.size);
  out += '\n';
  out += Base64Encode(checkpoint.root);
  out += '\n';
  for (const std::string& e : checkpoint.extensions) {
    out += e;
    out += '\n';
  }
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.size() > kMaxNoteSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "checkpoint: larger than " + std::to_string(kMaxNoteSize) + " octets");
  }
  if (text.empty() || text.back() != '\n') {
    return Fail(ErrorCode::kInvalidArgument, "checkpoint: the text must end in a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) {
    return Fail(ErrorCode::kInvalidArgument,
                "checkpoint: want at least 3 lines (origin, size, root hash), got " +
                    std::to_string(lines.size()));
  }
  Checkpoint cp;
  IOTSEC_RETURN_IF_ERROR(CheckLine(lines[0], "origin"));
  cp.origin = std::string(lines[0]);
  // "the ASCII decimal representation of the number of leaves in the tree, with no leading
  // zeroes (unless the tree is empty, in which case the tree size is 0)".
  IOTSEC_TRY(size, ParseDecimal(lines[1], "checkpoint: tree size"));
  cp.size = size;
  IOTSEC_TRY(root, Base64Decode(lines[2], "checkpoint: root hash"));
  if (root.size() != cp.root.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "checkpoint: the root hash is " + std::to_string(root.size()) + " octets, want 32");
  }
  std::copy(root.begin(), root.end(), cp.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    IOTSEC_RETURN_IF_ERROR(CheckLine(lines[i], "extension " + std::to_string(i - 3)));
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  IOTSEC_TRY(text, FormatCheckpoint(checkpoint));
  return SignNote(text, signer);
}

Result<std::string> Cosign(std::string note, const NoteSigner& signer) {
  IOTSEC_TRY(parsed, ParseNote(AsBytes(note)));
  IOTSEC_RETURN_IF_ERROR(ParseCheckpoint(parsed.text));
  for (const NoteSignature& s : parsed.signatures) {
    if (s.name == signer.name() && s.key_id == signer.key_id()) {
      return Fail(ErrorCode::kAlreadyExists,
                  "the note already has a signature by " + signer.Verifier().VerifierKey());
    }
  }
  IOTSEC_TRY(sig, signer.Sign(parsed.text));
  parsed.signatures.push_back(std::move(sig));
  // The parse is canonical, so this is |note| with one more line.
  return FormatNote(parsed);
}

Result<Checkpoint> OpenCheckpoint(ByteSpan note, std::string_view origin,
                                  std::span<const NoteVerifier> anchors, size_t threshold) {
  IOTSEC_TRY(text, OpenNote(note, anchors, threshold));
  IOTSEC_TRY(cp, ParseCheckpoint(text));
  if (cp.origin != origin) {
    return Fail(ErrorCode::kUnauthenticated, "checkpoint: signed for origin \"" + cp.origin +
                                                 "\", want \"" + std::string(origin) + "\"");
  }
  return cp;
}

Status CheckNotForked(const Checkpoint& older, const Checkpoint& newer,
                      std::span<const Hash> consistency_proof) {
  if (older.origin != newer.origin) {
    return Fail(ErrorCode::kInvalidArgument,
                "checkpoints of two logs: \"" + older.origin + "\" and \"" + newer.origin + "\"");
  }
  if (newer.size < older.size) {
    return Fail(ErrorCode::kFailedPrecondition,
                "rollback: the newer checkpoint has size " + std::to_string(newer.size) +
                    ", below the size " + std::to_string(older.size) + " already seen");
  }
  if (newer.size == older.size) {
    if (newer.root != older.root) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "fork detected: two roots for size " + std::to_string(newer.size) + ": " +
                      HashText(older.root) + " and " + HashText(newer.root));
    }
    if (!consistency_proof.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a consistency proof between equal sizes must be empty");
    }
    return Ok();
  }
  // RFC 9162 §2.1.4.2: the log must prove that the newer tree extends the older one; a proof
  // that does not verify shows (or cannot rule out) a second history.
  auto st = VerifyConsistency(older.size, newer.size, older.root, newer.root, consistency_proof);
  if (!st) {
    if (st.error().code() == ErrorCode::kUnauthenticated) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "fork detected: no consistency from size " + std::to_string(older.size) + " to " +
                      std::to_string(newer.size) + ": " + st.error().message());
    }
    return st;
  }
  return Ok();
}

}  // namespace iotsec::ledger
