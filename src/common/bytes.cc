// Copyright iotsec authors.
#include "iotsec/common/bytes.h"

namespace iotsec {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string HexEncode(ByteSpan b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(b.size() * 2, '\0');
  for (size_t i = 0; i < b.size(); ++i) {
    out[2 * i] = kDigits[b[i] >> 4];
    out[2 * i + 1] = kDigits[b[i] & 0xf];
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "hex has an odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t pos = hi < 0 ? 2 * i : 2 * i + 1;
      return Fail(ErrorCode::kInvalidArgument,
                  "not a hex digit at position " + std::to_string(pos));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

bool HexEncodeTo(ByteSpan b, std::span<uint8_t> out) {
  if (out.size() != 2 * b.size()) {
    return false;
  }
  for (size_t i = 0; i < b.size(); ++i) {
    // Branch-free nibble to digit: n + '0', plus ('a' - '0' - 10) when n > 9.
    for (int k = 0; k < 2; ++k) {
      int n = k == 0 ? b[i] >> 4 : b[i] & 0xf;
      int gt9 = ((9 - n) >> 8) & 1;
      out[2 * i + k] = static_cast<uint8_t>(n + '0' + gt9 * ('a' - '0' - 10));
    }
  }
  return true;
}

namespace {

// InRange returns 1 if lo <= c <= hi, without a branch.
int InRange(int c, int lo, int hi) { return (((lo - 1 - c) & (c - hi - 1)) >> 16) & 1; }

}  // namespace

Status HexDecodeTo(std::string_view hex, std::span<uint8_t> out, std::string_view what) {
  if (hex.size() != 2 * out.size()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must be " +
                                                 std::to_string(out.size()) + " octets, got " +
                                                 std::to_string(hex.size()) + " hex digits");
  }
  int bad = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    int byte = 0;
    for (int k = 0; k < 2; ++k) {
      int c = static_cast<unsigned char>(hex[2 * i + k]);
      int is_num = InRange(c, '0', '9');
      int is_low = InRange(c, 'a', 'f');
      int is_up = InRange(c, 'A', 'F');
      int v = is_num * (c - '0') + is_low * (c - 'a' + 10) + is_up * (c - 'A' + 10);
      bad |= 1 ^ (is_num | is_low | is_up);
      byte = (byte << 4) | v;
    }
    out[i] = static_cast<uint8_t>(byte);
  }
  if (bad != 0) {
    for (auto& b : out) {
      b = 0;
    }
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is not hex");
  }
  return Ok();
}

Result<Bytes> HexDecodeExact(std::string_view hex, size_t len, std::string_view what) {
  IOTSEC_TRY(b, HexDecode(hex));
  if (b.size() != len) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must be " +
                                                 std::to_string(len) + " octets, got " +
                                                 std::to_string(b.size()));
  }
  return b;
}

}  // namespace iotsec
