// Copyright iotsec authors.
// Text pieces of signed notes and checkpoints, private to src/ledger/: strict base64
// (RFC 4648 §4), UTF-8 checks and key names (c2sp.org/signed-note).
#ifndef IOTSEC_LEDGER_CHECKPOINT_TEXT_H_
#define IOTSEC_LEDGER_CHECKPOINT_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::ledger::internal {

// Base64Encode returns the standard, padded base64 of |b| (RFC 4648 §4).
std::string Base64Encode(ByteSpan b);

// Base64Decode accepts only the canonical encoding that Base64Encode emits: the standard
// alphabet, a length that is a multiple of 4, '=' padding only where needed and zero pad bits
// (RFC 4648 §3.5). Fails with kInvalidArgument naming |what|.
Result<Bytes> Base64Decode(std::string_view text, std::string_view what);

// IsNoteText says whether |s| is valid UTF-8 (no overlong form, surrogate or value above
// U+10FFFF) with no ASCII control character except, when |allow_newline|, newline.
bool IsNoteText(std::string_view s, bool allow_newline);

// IsKeyName says whether |name| is a valid signed-note key name: non-empty UTF-8 with no
// control character, no Unicode space and no '+'.
bool IsKeyName(std::string_view name);

// NoteKeyId returns SHA-256(name || 0x0A || type || key)[:4] as a big-endian integer
// (c2sp.org/signed-note, "key ID").
uint32_t NoteKeyId(std::string_view name, uint8_t type, ByteSpan key);

// ParseDecimal reads an unsigned decimal integer with no sign, no leading zero (except "0"
// itself) and no other character, that fits in 64 bits. Fails with kInvalidArgument naming
// |what|.
Result<uint64_t> ParseDecimal(std::string_view text, std::string_view what);

}  // namespace iotsec::ledger::internal

#endif  // IOTSEC_LEDGER_CHECKPOINT_TEXT_H_
