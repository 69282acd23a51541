// Copyright iotsec authors.
// The CBOR value model, the deterministic encoder (RFC 8949 §4.2.1) and diagnostic notation.
// The strict decoder is in cbor_decode.cc.
#include "iotsec/cose/cbor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace iotsec::cose::cbor {

// ValueInternals gives the encoder and the diagnostic printer direct access to a Value whose
// type they have already switched on.
struct ValueInternals {
  static uint64_t number(const Value& v) { return v.number_; }
  static const iotsec::Bytes& bytes(const Value& v) { return v.bytes_; }
  static const std::vector<Value>& items(const Value& v) { return v.items_; }
  static const std::vector<MapEntry>& entries(const Value& v) { return v.entries_; }
};

namespace {

// BytesLess is the bytewise lexicographic order of RFC 8949 §4.2.1. (Written out rather than
// vector's operator<, on which GCC 12 at -O3 raises a false -Wstringop-overread.)
bool BytesLess(const iotsec::Bytes& a, const iotsec::Bytes& b) {
  size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return c < 0 || (c == 0 && a.size() < b.size());
}

using VI = ValueInternals;

std::string_view TextOf(const Value& v) {
  const iotsec::Bytes& b = VI::bytes(v);
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

Unexpected WrongType(Type want, Type got) {
  return Fail(ErrorCode::kInvalidArgument, "CBOR item is a " + std::string(TypeName(got)) +
                                               ", expected a " + std::string(TypeName(want)));
}

// KeyMatchesInt returns whether |key| is the integer |k|.
bool KeyMatchesInt(const Value& key, int64_t k) {
  if (k >= 0) {
    auto u = key.as_uint();
    return u.has_value() && *u == static_cast<uint64_t>(k);
  }
  auto n = key.negative_argument();
  // -1 - n == k  <=>  n == -1 - k, which cannot overflow for k < 0.
  return n.has_value() && *n == static_cast<uint64_t>(-1 - k);
}

}  // namespace

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kUnsigned:
      return "unsigned integer";
    case Type::kNegative:
      return "negative integer";
    case Type::kBytes:
      return "byte string";
    case Type::kText:
      return "text string";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kTag:
      return "tag";
    case Type::kBool:
      return "boolean";
    case Type::kNull:
      return "null";
  }
  return "unknown";
}

Value Value::Uint(uint64_t v) {
  Value out;
  out.type_ = Type::kUnsigned;
  out.number_ = v;
  return out;
}

Value Value::Int(int64_t v) {
  if (v >= 0) {
    return Uint(static_cast<uint64_t>(v));
  }
  // RFC 8949 §3.1: major type 1 encodes -1 - n; for v < 0, n = -1 - v, which fits.
  return NegativeFromArgument(static_cast<uint64_t>(-1 - v));
}

Value Value::NegativeFromArgument(uint64_t n) {
  Value out;
  out.type_ = Type::kNegative;
  out.number_ = n;
  return out;
}

Value Value::ByteString(ByteSpan b) {
  Value out;
  out.type_ = Type::kBytes;
  out.bytes_.assign(b.begin(), b.end());
  return out;
}

Value Value::TextString(std::string_view s) {
  Value out;
  out.type_ = Type::kText;
  out.bytes_.assign(s.begin(), s.end());
  return out;
}

Value Value::Array() {
  Value out;
  out.type_ = Type::kArray;
  return out;
}

Value Value::Array(std::vector<Value> items) {
  Value out;
  out.type_ = Type::kArray;
  out.items_ = std::move(items);
  return out;
}

Value Value::Map() {
  Value out;
  out.type_ = Type::kMap;
  return out;
}

Value Value::Map(std::vector<MapEntry> entries) {
  Value out;
  out.type_ = Type::kMap;
  out.entries_ = std::move(entries);
  return out;
}

Value Value::Tagged(uint64_t tag, Value content) {
  Value out;
  out.type_ = Type::kTag;
  out.number_ = tag;
  out.items_.push_back(std::move(content));
  return out;
}

Value Value::Bool(bool b) {
  Value out;
  out.type_ = Type::kBool;
  out.number_ = b ? 1 : 0;
  return out;
}

Value Value::Null() { return Value(); }

Result<uint64_t> Value::as_uint() const {
  if (type_ != Type::kUnsigned) {
    return WrongType(Type::kUnsigned, type_);
  }
  return number_;
}

Result<int64_t> Value::as_int() const {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type_ == Type::kUnsigned) {
    if (number_ > kMax) {
      return Fail(ErrorCode::kInvalidArgument, "integer " + std::to_string(number_) +
                                                   " does not fit in a signed 64-bit integer");
    }
    return static_cast<int64_t>(number_);
  }
  if (type_ == Type::kNegative) {
    if (number_ > kMax) {
      return Fail(ErrorCode::kInvalidArgument, "negative integer -1-" + std::to_string(number_) +
                                                   " does not fit in a signed 64-bit integer");
    }
    return -1 - static_cast<int64_t>(number_);
  }
  return Fail(ErrorCode::kInvalidArgument,
              "CBOR item is a " + std::string(TypeName(type_)) + ", expected an integer");
}

Result<uint64_t> Value::negative_argument() const {
  if (type_ != Type::kNegative) {
    return WrongType(Type::kNegative, type_);
  }
  return number_;
}

Result<ByteSpan> Value::as_bytes() const {
  if (type_ != Type::kBytes) {
    return WrongType(Type::kBytes, type_);
  }
  return ByteSpan(bytes_);
}

Result<std::string_view> Value::as_text() const {
  if (type_ != Type::kText) {
    return WrongType(Type::kText, type_);
  }
  return std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
}

Result<bool> Value::as_bool() const {
  if (type_ != Type::kBool) {
    return WrongType(Type::kBool, type_);
  }
  return number_ != 0;
}

Result<std::span<const Value>> Value::as_array() const {
  if (type_ != Type::kArray) {
    return WrongType(Type::kArray, type_);
  }
  return std::span<const Value>(items_);
}

Result<std::span<const MapEntry>> Value::as_map() const {
  if (type_ != Type::kMap) {
    return WrongType(Type::kMap, type_);
  }
  return std::span<const MapEntry>(entries_);
}

Result<uint64_t> Value::tag_number() const {
  if (type_ != Type::kTag) {
    return WrongType(Type::kTag, type_);
  }
  return number_;
}

Result<const Value*> Value::tag_content() const {
  if (type_ != Type::kTag || items_.size() != 1) {
    return WrongType(Type::kTag, type_);
  }
  return &items_[0];
}

Result<const Value*> Value::Find(int64_t key) const {
  if (type_ != Type::kMap) {
    return WrongType(Type::kMap, type_);
  }
  for (const MapEntry& e : entries_) {
    if (KeyMatchesInt(e.key, key)) {
      return &e.value;
    }
  }
  return Fail(ErrorCode::kNotFound, "map has no key " + std::to_string(key));
}

Result<const Value*> Value::Find(std::string_view key) const {
  if (type_ != Type::kMap) {
    return WrongType(Type::kMap, type_);
  }
  for (const MapEntry& e : entries_) {
    auto t = e.key.as_text();
    if (t.has_value() && *t == key) {
      return &e.value;
    }
  }
  return Fail(ErrorCode::kNotFound, "map has no key \"" + std::string(key) + "\"");
}

bool Value::Contains(const Value& key) const {
  if (type_ != Type::kMap) {
    return false;
  }
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const MapEntry& e) { return e.key == key; });
}

Status Value::Append(Value item) {
  if (type_ != Type::kArray) {
    return WrongType(Type::kArray, type_);
  }
  items_.push_back(std::move(item));
  return Ok();
}

Status Value::Set(Value key, Value value) {
  if (type_ != Type::kMap) {
    return WrongType(Type::kMap, type_);
  }
  for (MapEntry& e : entries_) {
    if (e.key == key) {
      e.value = std::move(value);
      return Ok();
    }
  }
  entries_.push_back(MapEntry{std::move(key), std::move(value)});
  return Ok();
}

bool operator==(const Value& a, const Value& b) {
  return a.type_ == b.type_ && a.number_ == b.number_ && a.bytes_ == b.bytes_ &&
         a.items_ == b.items_ && a.entries_ == b.entries_;
}

bool operator==(const MapEntry& a, const MapEntry& b) {
  return a.key == b.key && a.value == b.value;
}

bool IsValidUtf8(ByteSpan s) {
  // RFC 3629 §4: the well-formed byte sequences.
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80;  // bounds of the second octet
    uint8_t hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) {
        lo = 0xa0;  // no overlong forms
      } else if (c == 0xed) {
        hi = 0x9f;  // no UTF-16 surrogates
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) {
        lo = 0x90;  // no overlong forms
      } else if (c == 0xf4) {
        hi = 0x8f;  // nothing above U+10FFFF
      }
    } else {
      return false;  // a continuation octet, C0/C1 (overlong) or F5..FF
    }
    if (s.size() - i < len) {
      return false;
    }
    if (s[i + 1] < lo || s[i + 1] > hi) {
      return false;
    }
    for (size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
        return false;
      }
    }
    i += len;
  }
  return true;
}

void AppendHead(iotsec::Bytes& out, uint8_t major, uint64_t arg) {
  // RFC 8949 §4.2.1: the argument is encoded as short as possible.
  const uint8_t mt = static_cast<uint8_t>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<uint8_t>(mt | arg));
    return;
  }
  int n;
  if (arg <= 0xff) {
    out.push_back(mt | 24);
    n = 1;
  } else if (arg <= 0xffff) {
    out.push_back(mt | 25);
    n = 2;
  } else if (arg <= 0xffffffff) {
    out.push_back(mt | 26);
    n = 4;
  } else {
    out.push_back(mt | 27);
    n = 8;
  }
  for (int i = n - 1; i >= 0; --i) {
    out.push_back(static_cast<uint8_t>(arg >> (8 * i)));
  }
}

Status EncodeTo(const Value& v, iotsec::Bytes& out) {
  switch (v.type()) {
    case Type::kUnsigned:
      AppendHead(out, 0, VI::number(v));
      return Ok();
    case Type::kNegative:
      AppendHead(out, 1, VI::number(v));
      return Ok();
    case Type::kBytes: {
      ByteSpan b = VI::bytes(v);
      AppendHead(out, 2, b.size());
      Append(out, b);
      return Ok();
    }
    case Type::kText: {
      std::string_view t = TextOf(v);
      if (!IsValidUtf8(AsBytes(t))) {
        return Fail(ErrorCode::kInvalidArgument, "cannot encode a text string that is not UTF-8");
      }
      AppendHead(out, 3, t.size());
      Append(out, AsBytes(t));
      return Ok();
    }
    case Type::kArray: {
      const auto& items = VI::items(v);
      AppendHead(out, 4, items.size());
      for (const Value& item : items) {
        IOTSEC_RETURN_IF_ERROR(EncodeTo(item, out));
      }
      return Ok();
    }
    case Type::kMap: {
      // RFC 8949 §4.2.1: entries sorted by the bytewise lexicographic order of the
      // deterministic encodings of their keys; equal keys are not allowed (§5.6).
      const auto& entries = VI::entries(v);
      std::vector<std::pair<iotsec::Bytes, const Value*>> keyed;
      keyed.reserve(entries.size());
      for (const MapEntry& e : entries) {
        iotsec::Bytes k;
        IOTSEC_RETURN_IF_ERROR(EncodeTo(e.key, k));
        keyed.emplace_back(std::move(k), &e.value);
      }
      std::sort(keyed.begin(), keyed.end(),
                [](const auto& a, const auto& b) { return BytesLess(a.first, b.first); });
      for (size_t i = 1; i < keyed.size(); ++i) {
        if (keyed[i - 1].first == keyed[i].first) {
          return Fail(ErrorCode::kInvalidArgument,
                      "cannot encode a map with the duplicate key " + HexEncode(keyed[i].first));
        }
      }
      AppendHead(out, 5, keyed.size());
      for (const auto& [k, value] : keyed) {
        Append(out, k);
        IOTSEC_RETURN_IF_ERROR(EncodeTo(*value, out));
      }
      return Ok();
    }
    case Type::kTag:
      AppendHead(out, 6, VI::number(v));
      return EncodeTo(VI::items(v)[0], out);
    case Type::kBool:
      out.push_back(VI::number(v) != 0 ? 0xf5 : 0xf4);
      return Ok();
    case Type::kNull:
      out.push_back(0xf6);
      return Ok();
  }
  return Fail(ErrorCode::kInternal, "unknown CBOR value type");
}

Result<iotsec::Bytes> Encode(const Value& v) {
  iotsec::Bytes out;
  IOTSEC_RETURN_IF_ERROR(EncodeTo(v, out));
  return out;
}

namespace {

void AppendDiagnostic(const Value& v, std::string& out) {
  switch (v.type()) {
    case Type::kUnsigned:
      out += std::to_string(VI::number(v));
      return;
    case Type::kNegative: {
      uint64_t n = VI::number(v);
      if (n == std::numeric_limits<uint64_t>::max()) {
        out += "-18446744073709551616";
      } else {
        out += '-';
        out += std::to_string(n + 1);
      }
      return;
    }
    case Type::kBytes:
      out += "h'" + HexEncode(VI::bytes(v)) + "'";
      return;
    case Type::kText: {
      out += '"';
      for (char c : TextOf(v)) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
      }
      out += '"';
      return;
    }
    case Type::kArray: {
      out += '[';
      bool first = true;
      for (const Value& item : VI::items(v)) {
        if (!first) {
          out += ", ";
        }
        first = false;
        AppendDiagnostic(item, out);
      }
      out += ']';
      return;
    }
    case Type::kMap: {
      out += '{';
      bool first = true;
      for (const MapEntry& e : VI::entries(v)) {
        if (!first) {
          out += ", ";
        }
        first = false;
        AppendDiagnostic(e.key, out);
        out += ": ";
        AppendDiagnostic(e.value, out);
      }
      out += '}';
      return;
    }
    case Type::kTag:
      out += std::to_string(VI::number(v)) + "(";
      AppendDiagnostic(VI::items(v)[0], out);
      out += ')';
      return;
    case Type::kBool:
      out += VI::number(v) != 0 ? "true" : "false";
      return;
    case Type::kNull:
      out += "null";
      return;
  }
}

}  // namespace

std::string ToDiagnostic(const Value& v) {
  std::string out;
  AppendDiagnostic(v, out);
  return out;
}

}  // namespace iotsec::cose::cbor
