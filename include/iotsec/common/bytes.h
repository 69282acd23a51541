// Copyright iotsec authors.
// Byte strings, hex, and distinct byte types (STYLE.md rule 7).
#ifndef IOTSEC_COMMON_BYTES_H_
#define IOTSEC_COMMON_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/result.h"

namespace iotsec {

// Bytes is an owned, non-secret byte string. Secrets use crypto::SecretBytes.
using Bytes = std::vector<uint8_t>;
// ByteSpan is a borrowed view of bytes; every API takes bytes in this form.
using ByteSpan = std::span<const uint8_t>;

// AsBytes views the octets of |s| (no copy; |s| must outlive the span).
inline ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ToBytes copies |s| into a new byte string.
inline Bytes ToBytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }

// Append appends |b| to |out|.
inline void Append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

// HexEncode returns the lowercase hex of |b|.
std::string HexEncode(ByteSpan b);

// HexDecode parses hex of either case with an even number of digits and nothing else (no
// prefix, no spaces). On failure: kInvalidArgument naming the first bad position.
Result<Bytes> HexDecode(std::string_view hex);

// HexDecodeExact is HexDecode that also requires exactly |len| octets; on a wrong length it
// fails with kInvalidArgument saying the expected and the actual length. |what| names the value.
Result<Bytes> HexDecodeExact(std::string_view hex, size_t len, std::string_view what);

// HexEncodeTo writes the lowercase hex of |b| into |out|, which must hold exactly 2*b.size()
// characters; it returns false (writing nothing) otherwise. Its time depends only on the sizes,
// so it may encode secrets into a zeroizing buffer.
bool HexEncodeTo(ByteSpan b, std::span<uint8_t> out);

// HexDecodeTo decodes |hex| into |out|, which must be exactly half its length, in time that
// depends only on the sizes (for secrets). kInvalidArgument on a wrong length or a non-hex digit
// (without saying where, so as not to reveal secret digits); |out| is then zeroed.
Status HexDecodeTo(std::string_view hex, std::span<uint8_t> out, std::string_view what);

}  // namespace iotsec

#endif  // IOTSEC_COMMON_BYTES_H_
