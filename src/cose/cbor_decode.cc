// Copyright iotsec authors.
// The strict deterministic-CBOR decoder (RFC 8949 §4.2.1). It accepts exactly one encoding of
// each value, the one that Encode emits, and rejects everything else with kInvalidArgument
// naming the problem and the byte offset (STYLE.md rule 9). Nothing is allocated for a declared
// length before that length has been checked against the remaining input.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/cose/cbor.h"

namespace iotsec::cose::cbor {
namespace {

constexpr std::string_view kMajorNames[8] = {
    "unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag",
    "simple/float"};

class Decoder {
 public:
  Decoder(ByteSpan in, const DecodeLimits& limits) : in_(in), limits_(limits) {}

  Result<Value> DecodeAll() {
    IOTSEC_TRY(v, Item(0));
    if (pos_ != in_.size()) {
      // RFC 8949 §5.1: a single data item; anything after it is not part of it.
      return Bad(pos_, std::to_string(in_.size() - pos_) + " trailing octets after the data item");
    }
    return v;
  }

 private:
  Unexpected Bad(size_t at, const std::string& what) const {
    return Fail(ErrorCode::kInvalidArgument,
                "CBOR: " + what + " (at offset " + std::to_string(at) + ")");
  }

  size_t Remaining() const { return in_.size() - pos_; }

  // Argument reads the argument of a head whose initial byte was at |start| and had additional
  // information |ai| (0..27), and requires the shortest form (RFC 8949 §4.2.1, first rule).
  Result<uint64_t> Argument(size_t start, uint8_t ai) {
    if (ai < 24) {
      return uint64_t{ai};
    }
    const size_t n = size_t{1} << (ai - 24);  // 1, 2, 4 or 8 octets follow
    if (Remaining() < n) {
      return Bad(start, "truncated head: " + std::to_string(n) + " argument octets declared, " +
                            std::to_string(Remaining()) + " left");
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v = (v << 8) | in_[pos_ + i];
    }
    pos_ += n;
    static constexpr uint64_t kMinForWidth[4] = {24, 0x100, 0x10000, 0x100000000};
    if (v < kMinForWidth[ai - 24]) {
      return Bad(start, "non-shortest head: argument " + std::to_string(v) + " encoded in " +
                            std::to_string(n) + " octets");
    }
    return v;
  }

  Status EnterContainer(size_t start, size_t depth) {
    if (depth + 1 > limits_.max_depth) {
      return Bad(start, "nesting deeper than the limit of " + std::to_string(limits_.max_depth));
    }
    return Ok();
  }

  Result<Value> Simple(size_t start, uint8_t ai) {
    // RFC 8949 §3.3. Only false, true and null are part of the model.
    switch (ai) {
      case 20:
        return Value::Bool(false);
      case 21:
        return Value::Bool(true);
      case 22:
        return Value::Null();
      case 23:
        return Bad(start, "unsupported simple value undefined");
      case 24: {
        if (Remaining() < 1) {
          return Bad(start, "truncated simple value");
        }
        uint8_t s = in_[pos_++];
        if (s < 32) {
          // RFC 8949 §3.3: values below 32 in the two-octet form are not well-formed.
          return Bad(start, "simple value " + std::to_string(s) +
                                " in the two-octet form is not well-formed");
        }
        return Bad(start, "unsupported simple value " + std::to_string(s));
      }
      case 25:
      case 26:
      case 27:
        return Bad(start, "floating-point values are not supported");
      case 31:
        return Bad(start, "break outside an indefinite-length item");
      default:
        if (ai < 20) {
          return Bad(start, "unsupported simple value " + std::to_string(ai));
        }
        return Bad(start, "reserved additional information " + std::to_string(ai));
    }
  }

  Result<Value> Item(size_t depth) {
    const size_t start = pos_;
    if (Remaining() == 0) {
      return Bad(start, "truncated: a data item was expected");
    }
    if (++items_ > limits_.max_items) {
      return Bad(start, "more data items than the limit of " + std::to_string(limits_.max_items));
    }
    const uint8_t ib = in_[pos_++];
    const uint8_t major = ib >> 5;
    const uint8_t ai = ib & 0x1f;
    if (major == 7) {
      return Simple(start, ai);
    }
    if (ai >= 28 && ai <= 30) {
      // RFC 8949 §3: additional information 28-30 is reserved (not well-formed).
      return Bad(start, "reserved additional information " + std::to_string(ai) + " in a " +
                            std::string(kMajorNames[major]) + " head");
    }
    if (ai == 31) {
      if (major >= 2 && major <= 5) {
        // RFC 8949 §4.2.1: deterministic encoding uses definite lengths only.
        return Bad(start,
                   "indefinite-length " + std::string(kMajorNames[major]) + " is not allowed");
      }
      return Bad(start, "additional information 31 is not well-formed for a " +
                            std::string(kMajorNames[major]));
    }
    IOTSEC_TRY(arg, Argument(start, ai));
    switch (major) {
      case 0:
        return Value::Uint(arg);
      case 1:
        return Value::NegativeFromArgument(arg);
      case 2:
      case 3:
        return String(start, major, arg);
      case 4:
        return Array(start, arg, depth);
      case 5:
        return Map(start, arg, depth);
      default:
        return Tag(start, arg, depth);
    }
  }

  Result<Value> String(size_t start, uint8_t major, uint64_t len) {
    if (len > Remaining()) {
      return Bad(start, "declared length " + std::to_string(len) + " exceeds the " +
                            std::to_string(Remaining()) + " remaining octets");
    }
    if (len > limits_.max_string_length) {
      return Bad(start, "string length " + std::to_string(len) + " exceeds the limit of " +
                            std::to_string(limits_.max_string_length));
    }
    ByteSpan body = in_.subspan(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    if (major == 2) {
      return Value::ByteString(body);
    }
    // RFC 8949 §3.1, major type 3: the string is UTF-8 (a "valid" decoder rejects others).
    if (!IsValidUtf8(body)) {
      return Bad(start, "text string is not valid UTF-8");
    }
    return Value::TextString(
        std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  }

  Result<Value> Array(size_t start, uint64_t count, size_t depth) {
    IOTSEC_RETURN_IF_ERROR(EnterContainer(start, depth));
    // Every item takes at least one octet, so a count beyond the remaining input is false.
    if (count > Remaining()) {
      return Bad(start, "array declares " + std::to_string(count) + " items but only " +
                            std::to_string(Remaining()) + " octets remain");
    }
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) {
      IOTSEC_TRY(item, Item(depth + 1));
      items.push_back(std::move(item));
    }
    return Value::Array(std::move(items));
  }

  Result<Value> Map(size_t start, uint64_t count, size_t depth) {
    IOTSEC_RETURN_IF_ERROR(EnterContainer(start, depth));
    // Every entry takes at least two octets.
    if (count > Remaining() / 2) {
      return Bad(start, "map declares " + std::to_string(count) + " entries but only " +
                            std::to_string(Remaining()) + " octets remain");
    }
    std::vector<MapEntry> entries;
    entries.reserve(static_cast<size_t>(count));
    ByteSpan previous_key;
    for (uint64_t i = 0; i < count; ++i) {
      const size_t key_start = pos_;
      IOTSEC_TRY(key, Item(depth + 1));
      // The key was accepted only in its deterministic encoding, so its octets here are that
      // encoding. RFC 8949 §4.2.1: keys sorted bytewise lexicographically; §5.6: no duplicates.
      ByteSpan key_bytes = in_.subspan(key_start, pos_ - key_start);
      if (i > 0) {
        const size_t common = std::min(previous_key.size(), key_bytes.size());
        int cmp = std::memcmp(previous_key.data(), key_bytes.data(), common);
        if (cmp == 0 && previous_key.size() == key_bytes.size()) {
          return Bad(key_start, "duplicate map key " + ToDiagnostic(key));
        }
        if (cmp > 0 || (cmp == 0 && previous_key.size() > key_bytes.size())) {
          return Bad(key_start, "map keys not in deterministic order: " + ToDiagnostic(key) +
                                    " follows a greater key");
        }
      }
      previous_key = key_bytes;
      IOTSEC_TRY(value, Item(depth + 1));
      entries.push_back(MapEntry{std::move(key), std::move(value)});
    }
    return Value::Map(std::move(entries));
  }

  Result<Value> Tag(size_t start, uint64_t tag, size_t depth) {
    IOTSEC_RETURN_IF_ERROR(EnterContainer(start, depth));
    IOTSEC_TRY(content, Item(depth + 1));
    if (tag == 2 || tag == 3) {
      // RFC 8949 §3.4.3 and §4.2.1 (preferred serialization): a bignum is a byte string
      // without leading zero octets, and one that fits in 64 bits is a plain integer.
      auto b = content.as_bytes();
      if (!b.has_value()) {
        return Bad(start, "bignum tag " + std::to_string(tag) + " must enclose a byte string");
      }
      if (b->empty() || (*b)[0] == 0) {
        return Bad(start, "bignum with leading zero octets is not in preferred serialization");
      }
      if (b->size() <= 8) {
        return Bad(start, "bignum that fits in 64 bits must be encoded as an integer");
      }
    }
    return Value::Tagged(tag, std::move(content));
  }

  ByteSpan in_;
  const DecodeLimits& limits_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

}  // namespace

Result<Value> Decode(ByteSpan in, const DecodeLimits& limits) {
  Decoder d(in, limits);
  return d.DecodeAll();
}

}  // namespace iotsec::cose::cbor
