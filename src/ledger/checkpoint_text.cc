// Copyright iotsec authors.
#include "checkpoint_text.h"

#include <array>

#include "iotsec/crypto/hash.h"

namespace iotsec::ledger::internal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// DecodeChar returns the 6-bit value of a base64 digit, or -1.
int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// NextCodePoint decodes the UTF-8 sequence at s[i], advancing i. Returns -1 if it is invalid
// (RFC 3629 §4: no overlong form, no surrogate, nothing above U+10FFFF).
int32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - i < len) {
    return -1;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  i += len;
  return cp;
}

// IsUnicodeSpace says whether |cp| has the Unicode White_Space property.
bool IsUnicodeSpace(int32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace

std::string Base64Encode(ByteSpan b) {
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = b.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{b[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<Bytes> Base64Decode(std::string_view text, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + ": not canonical base64 (" + why + ")");
  };
  if (text.size() % 4 != 0) {
    return bad("length is not a multiple of 4");
  }
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  }
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t digits = last ? 4 - pad : 4;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int d = 0;
      if (k < digits) {
        d = DecodeChar(text[i + k]);
        if (d < 0) {
          return bad("bad character at position " + std::to_string(i + k));
        }
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (digits >= 3) {
      out.push_back(static_cast<uint8_t>(v >> 8));
    }
    if (digits == 4) {
      out.push_back(static_cast<uint8_t>(v));
    }
    // RFC 4648 §3.5: the pad bits of the last digit must be zero.
    if ((digits == 2 && (v & 0xFFFF) != 0) || (digits == 3 && (v & 0xFF) != 0)) {
      return bad("non-zero pad bits");
    }
  }
  return out;
}

bool IsNoteText(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size();) {
    const int32_t cp = NextCodePoint(s, i);
    if (cp < 0 || cp == 0x7F) {
      return false;
    }
    if (cp < 0x20 && !(allow_newline && cp == '\n')) {
      return false;
    }
  }
  return true;
}

bool IsKeyName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size();) {
    const int32_t cp = NextCodePoint(name, i);
    if (cp < 0x20 || cp == 0x7F || cp == '+' || IsUnicodeSpace(cp)) {
      return false;
    }
  }
  return true;
}

uint32_t NoteKeyId(std::string_view name, uint8_t type, ByteSpan key) {
  crypto::Sha256Hasher h;
  h.Update(AsBytes(name));
  const std::array<uint8_t, 2> sep = {0x0A, type};
  h.Update(sep);
  h.Update(key);
  const auto d = h.Final();
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | d[3];
}

Result<uint64_t> ParseDecimal(std::string_view text, std::string_view what) {
  if (text.empty()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": empty, want a decimal number");
  }
  if (text.size() > 1 && text[0] == '0') {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": leading zero in \"" +
                                                 std::string(text.substr(0, 24)) + "\"");
  }
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + ": not a decimal number (only digits 0-9 are allowed)");
    }
    const auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": exceeds 2^64 - 1");
    }
    v = v * 10 + d;
  }
  return v;
}

}  // namespace iotsec::ledger::internal
