// Copyright iotsec authors.
// C2SP signed notes with Ed25519 keys (c2sp.org/signed-note): parsing, signing, k-of-n
// verification (include/iotsec/ledger/checkpoint.h, doc/formats/checkpoint.md).
#include <algorithm>
#include <array>
#include <cstdio>

#include "checkpoint_text.h"
#include "iotsec/ledger/checkpoint.h"

namespace iotsec::ledger {
namespace {

using internal::Base64Decode;
using internal::Base64Encode;
using internal::IsKeyName;
using internal::IsNoteText;
using internal::NoteKeyId;

// c2sp.org/signed-note, "Format": a signature line starts with em dash (U+2014) and a space.
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", id);
  return std::string(buf, 8);
}

std::string KeyLabel(std::string_view name, uint32_t id) {
  return std::string(name) + "+" + KeyIdHex(id);
}

// CheckText applies c2sp.org/signed-note, "Format", to a note text: it ends in a newline, is
// UTF-8 and holds no control character but newline.
Status CheckText(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Fail(ErrorCode::kInvalidArgument, "note text: must be non-empty and end in a newline");
  }
  if (!IsNoteText(text, /*allow_newline=*/true)) {
    return Fail(ErrorCode::kInvalidArgument,
                "note text: not valid UTF-8, or holds a control character other than newline");
  }
  return Ok();
}

Status CheckKeyName(std::string_view name) {
  if (!IsKeyName(name)) {
    return Fail(ErrorCode::kInvalidArgument,
                "key name: must be non-empty UTF-8 with no space, '+' or control character");
  }
  return Ok();
}

std::array<uint8_t, 4> KeyIdBytes(uint32_t id) {
  return {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
          static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
}

}  // namespace

Result<SignedNote> ParseNote(ByteSpan bytes) {
  auto malformed = [](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "malformed note: " + why);
  };
  if (bytes.size() > kMaxNoteSize) {
    return malformed("larger than " + std::to_string(kMaxNoteSize) + " octets");
  }
  const std::string_view note(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // c2sp.org/signed-note, "Format": valid UTF-8, no ASCII control character but newline.
  if (!IsNoteText(note, /*allow_newline=*/true)) {
    return malformed("not valid UTF-8, or holds a control character other than newline");
  }
  // The text (with its final newline) is separated from the signatures by the last blank line.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return malformed("no blank line before the signature lines");
  }
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return malformed("the signature lines must end in a newline");
  }
  while (!sigs.empty()) {
    const size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (out.signatures.size() == kMaxNoteSignatures) {
      return malformed("more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    // "— <key name> base64(32-bit key ID || signature)"
    if (!line.starts_with(kSigPrefix)) {
      return malformed("a signature line must start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return malformed("a signature line needs a key name, a space and a signature");
    }
    const std::string_view name = line.substr(0, space);
    if (!IsKeyName(name)) {
      return malformed("bad key name in a signature line");
    }
    auto blob = Base64Decode(line.substr(space + 1), "signature");
    if (!blob) {
      return malformed(blob.error().message());
    }
    if (blob->size() < 5) {
      return malformed("a signature must hold a 4-octet key ID and at least one octet");
    }
    NoteSignature sig;
    sig.name = std::string(name);
    sig.key_id = (uint32_t{(*blob)[0]} << 24) | (uint32_t{(*blob)[1]} << 16) |
                 (uint32_t{(*blob)[2]} << 8) | (*blob)[3];
    sig.signature.assign(blob->begin() + 4, blob->end());
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

Result<std::string> FormatNote(const SignedNote& note) {
  IOTSEC_RETURN_IF_ERROR(CheckText(note.text));
  if (note.signatures.empty() || note.signatures.size() > kMaxNoteSignatures) {
    return Fail(ErrorCode::kInvalidArgument,
                "a note needs 1 to " + std::to_string(kMaxNoteSignatures) + " signatures, got " +
                    std::to_string(note.signatures.size()));
  }
  std::string out = note.text;
  out += '\n';
  for (const NoteSignature& s : note.signatures) {
    IOTSEC_RETURN_IF_ERROR(CheckKeyName(s.name));
    if (s.signature.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "signature by " + KeyLabel(s.name, s.key_id) + ": empty");
    }
    Bytes blob(4 + s.signature.size());
    const auto id = KeyIdBytes(s.key_id);
    std::copy(id.begin(), id.end(), blob.begin());
    std::copy(s.signature.begin(), s.signature.end(), blob.begin() + 4);
    out += kSigPrefix;
    out += s.name;
    out += ' ';
    out += Base64Encode(blob);
    out += '\n';
    if (out.size() > kMaxNoteSize) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the note would exceed " + std::to_string(kMaxNoteSize) + " octets");
    }
  }
  return out;
}

Result<NoteVerifier> NoteVerifier::Create(std::string_view name,
                                          const crypto::Ed25519PublicKey& key) {
  IOTSEC_RETURN_IF_ERROR(CheckKeyName(name));
  const auto raw = key.Raw();
  // c2sp.org/signed-note, "Ed25519 signatures": key ID over type 0x01 and the 32-octet key.
  return NoteVerifier(std::string(name), NoteKeyId(name, kEd25519SignatureType, raw), key);
}

Result<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  auto bad = [](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "verifier key: " + why);
  };
  // <name>+<key ID as 8 lowercase hex digits>+<base64(type || key)>; the name holds no '+',
  // the base64 may.
  const size_t p1 = vkey.find('+');
  if (p1 == std::string_view::npos) {
    return bad("want <name>+<key id>+<key>");
  }
  const size_t p2 = vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return bad("want <name>+<key id>+<key>");
  }
  const std::string_view name = vkey.substr(0, p1);
  const std::string_view id_hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  if (!IsKeyName(name)) {
    return bad("bad key name");
  }
  if (id_hex.size() != 8 || !std::all_of(id_hex.begin(), id_hex.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return bad("the key ID must be 8 lowercase hex digits");
  }
  IOTSEC_TRY(key, Base64Decode(vkey.substr(p2 + 1), "verifier key"));
  if (key.size() != 1 + crypto::kEd25519KeySize || key[0] != kEd25519SignatureType) {
    return bad("not an Ed25519 key (type 0x01 and 32 octets)");
  }
  IOTSEC_TRY(pub, crypto::Ed25519PublicKey::FromBytes(ByteSpan(key).subspan(1)));
  const uint32_t id = NoteKeyId(name, kEd25519SignatureType, ByteSpan(key).subspan(1));
  if (KeyIdHex(id) != id_hex) {
    return bad("the key ID " + std::string(id_hex) + " does not match the name and key (want " +
               KeyIdHex(id) + ")");
  }
  return NoteVerifier(std::string(name), id, pub);
}

std::string NoteVerifier::VerifierKey() const {
  std::array<uint8_t, 1 + crypto::kEd25519KeySize> key;
  key[0] = kEd25519SignatureType;
  const auto raw = key_.Raw();
  std::copy(raw.begin(), raw.end(), key.begin() + 1);
  return name_ + "+" + KeyIdHex(key_id_) + "+" + Base64Encode(key);
}

Status NoteVerifier::Verify(std::string_view text, ByteSpan signature) const {
  if (signature.size() != crypto::kEd25519SignatureSize) {
    return Fail(ErrorCode::kUnauthenticated, "signature by " + KeyLabel(name_, key_id_) +
                                                 ": an Ed25519 signature is 64 octets, got " +
                                                 std::to_string(signature.size()));
  }
  auto st = key_.Verify(AsBytes(text), signature);
  if (!st) {
    return Fail(ErrorCode::kUnauthenticated,
                "invalid signature by " + KeyLabel(name_, key_id_) + ": " + st.error().message());
  }
  return Ok();
}

Result<NoteSigner> NoteSigner::Create(std::string_view name, crypto::Ed25519PrivateKey key) {
  IOTSEC_TRY(verifier, NoteVerifier::Create(name, key.PublicKey()));
  return NoteSigner(std::move(key), std::move(verifier));
}

Result<NoteSignature> NoteSigner::Sign(std::string_view text) const {
  IOTSEC_RETURN_IF_ERROR(CheckText(text));
  // c2sp.org/signed-note, "Ed25519 signatures": RFC 8032 over the note text.
  IOTSEC_TRY(sig, key_.Sign(AsBytes(text)));
  NoteSignature out;
  out.name = name();
  out.key_id = key_id();
  out.signature.assign(sig.begin(), sig.end());
  return out;
}

Result<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  IOTSEC_TRY(sig, signer.Sign(text));
  SignedNote note;
  note.text = std::string(text);
  note.signatures.push_back(std::move(sig));
  return FormatNote(note);
}

Result<std::string> OpenNote(ByteSpan bytes, std::span<const NoteVerifier> anchors,
                             size_t threshold) {
  // Distinct anchors: the same (name, key ID) twice is one anchor if the keys agree, and an
  // ambiguous configuration otherwise.
  std::vector<const NoteVerifier*> distinct;
  for (const NoteVerifier& a : anchors) {
    bool seen = false;
    for (const NoteVerifier* d : distinct) {
      if (d->name() == a.name() && d->key_id() == a.key_id()) {
        if (d->public_key().Raw() != a.public_key().Raw()) {
          return Fail(ErrorCode::kInvalidArgument,
                      "ambiguous trust anchors: two keys for " + KeyLabel(a.name(), a.key_id()));
        }
        seen = true;
        break;
      }
    }
    if (!seen) {
      distinct.push_back(&a);
    }
  }
  if (threshold == 0 || threshold > distinct.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                "the signature threshold must be 1 to the number of distinct trust anchors (" +
                    std::to_string(distinct.size()) + "), got " + std::to_string(threshold));
  }
  IOTSEC_TRY(note, ParseNote(bytes));
  std::vector<bool> verified(distinct.size(), false);
  for (const NoteSignature& s : note.signatures) {
    // c2sp.org/signed-note, "Signatures": signatures from unknown keys are ignored (a key is
    // known only if both name and key ID match); a known key's signature must verify, and a
    // failure rejects the whole note.
    for (size_t i = 0; i < distinct.size(); ++i) {
      if (distinct[i]->name() == s.name && distinct[i]->key_id() == s.key_id) {
        IOTSEC_RETURN_IF_ERROR(distinct[i]->Verify(note.text, s.signature));
        verified[i] = true;
        break;
      }
    }
  }
  const auto count = static_cast<size_t>(std::count(verified.begin(), verified.end(), true));
  if (count < threshold) {
    return Fail(ErrorCode::kUnauthenticated, "the note has valid signatures from " +
                                                 std::to_string(count) + " trusted key(s), " +
                                                 std::to_string(threshold) + " needed");
  }
  return std::move(note.text);
}

}  // namespace iotsec::ledger
