// Copyright iotsec authors.
// Deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding"): a small value model, an
// encoder that only ever emits the deterministic form, and a strict decoder that accepts the
// deterministic form and nothing else. The accepted and emitted encoding, the limits and what
// is not supported (floating point, undefined, other simple values) are described in
// doc/formats/cbor-cose.md.
#ifndef IOTSEC_COSE_CBOR_H_
#define IOTSEC_COSE_CBOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::cose::cbor {

struct MapEntry;

// Type is the kind of a CBOR data item that this model represents.
enum class Type {
  kUnsigned,  // major type 0: 0 .. 2^64-1
  kNegative,  // major type 1: -1 .. -2^64, stored as its argument n (value = -1 - n)
  kBytes,     // major type 2: byte string
  kText,      // major type 3: UTF-8 text string
  kArray,     // major type 4
  kMap,       // major type 5
  kTag,       // major type 6: a tag number and one enclosed data item
  kBool,      // major type 7, simple values 20 (false) and 21 (true)
  kNull,      // major type 7, simple value 22
};

// TypeName returns a lower-case name of |type| for error messages ("unsigned integer", ...).
std::string_view TypeName(Type type);

// Value is one CBOR data item and, for arrays, maps and tags, everything nested in it. Values
// own their contents and are copyable. A default-constructed Value is null.
class Value {
 public:
  Value() = default;

  // Uint returns the unsigned integer |v| (major type 0).
  static Value Uint(uint64_t v);
  // Int returns |v| as an unsigned (v >= 0) or negative (v < 0) integer.
  static Value Int(int64_t v);
  // NegativeFromArgument returns the negative integer -1 - |n| (major type 1); this reaches
  // the whole range down to -2^64, which int64_t cannot hold.
  static Value NegativeFromArgument(uint64_t n);
  // ByteString returns a byte string holding a copy of |b|.
  static Value ByteString(ByteSpan b);
  // TextString returns a text string holding a copy of |s|. The encoder refuses text that is
  // not valid UTF-8, so only valid UTF-8 makes an encodable value.
  static Value TextString(std::string_view s);
  // Array returns an empty array, or an array of |items|.
  static Value Array();
  static Value Array(std::vector<Value> items);
  // Map returns an empty map, or a map of |entries| in the given order (the encoder sorts
  // them; duplicate keys make the encoder fail).
  static Value Map();
  static Value Map(std::vector<MapEntry> entries);
  // Tagged returns tag number |tag| enclosing |content|.
  static Value Tagged(uint64_t tag, Value content);
  // Bool returns the simple value false or true.
  static Value Bool(bool b);
  // Null returns the simple value null.
  static Value Null();

  // type returns the kind of this item.
  Type type() const { return type_; }
  // is_null returns whether this is the simple value null.
  bool is_null() const { return type_ == Type::kNull; }

  // as_uint returns the value of an unsigned integer; kInvalidArgument for any other type.
  Result<uint64_t> as_uint() const;
  // as_int returns the value of an unsigned or negative integer that fits in int64_t;
  // kInvalidArgument for another type or a value out of int64_t range.
  Result<int64_t> as_int() const;
  // negative_argument returns n for the negative integer -1 - n; kInvalidArgument otherwise.
  Result<uint64_t> negative_argument() const;
  // as_bytes returns a view of a byte string's contents (valid while this Value lives and is
  // not modified); kInvalidArgument for any other type.
  Result<ByteSpan> as_bytes() const;
  // as_text returns a view of a text string (lifetime as for as_bytes); kInvalidArgument for
  // any other type.
  Result<std::string_view> as_text() const;
  // as_bool returns the value of false or true; kInvalidArgument for any other type.
  Result<bool> as_bool() const;
  // as_array returns the items of an array; kInvalidArgument for any other type.
  Result<std::span<const Value>> as_array() const;
  // as_map returns the entries of a map (for a decoded map: in encoding order, which is the
  // sorted order); kInvalidArgument for any other type.
  Result<std::span<const MapEntry>> as_map() const;
  // tag_number returns the number of a tag; kInvalidArgument for any other type.
  Result<uint64_t> tag_number() const;
  // tag_content returns the item enclosed in a tag; kInvalidArgument for any other type.
  Result<const Value*> tag_content() const;

  // Find returns the value under integer key |key| in a map. kNotFound when the map has no
  // such key; kInvalidArgument when this is not a map.
  Result<const Value*> Find(int64_t key) const;
  // Find returns the value under text key |key| in a map; errors as above.
  Result<const Value*> Find(std::string_view key) const;
  // Contains returns whether this is a map with a key equal to |key|.
  bool Contains(const Value& key) const;

  // Append adds |item| to the end of an array; kInvalidArgument when this is not an array.
  Status Append(Value item);
  // Set puts |key| -> |value| into a map, replacing the value of an equal key if there is one;
  // kInvalidArgument when this is not a map.
  Status Set(Value key, Value value);

  // operator== is structural equality (same type and same contents, map entries in the same
  // order).
  friend bool operator==(const Value& a, const Value& b);

 private:
  Type type_ = Type::kNull;
  // kUnsigned: the value; kNegative: the argument n; kTag: the tag number; kBool: 0 or 1.
  uint64_t number_ = 0;
  // kBytes and kText: the contents (text as its UTF-8 octets).
  iotsec::Bytes bytes_;
  // kArray: the items; kTag: exactly one item, the enclosed one.
  std::vector<Value> items_;
  // kMap: the entries.
  std::vector<MapEntry> entries_;

  friend struct ValueInternals;  // unchecked access for the encoder (cbor.cc)
};

// MapEntry is one key/value pair of a map.
struct MapEntry {
  Value key;
  Value value;
};

// operator== compares keys and values structurally.
bool operator==(const MapEntry& a, const MapEntry& b);

// DecodeLimits bounds what Decode accepts, so that hostile input cannot exhaust memory or the
// stack. Every limit failure is kInvalidArgument.
struct DecodeLimits {
  // max_depth is the deepest nesting accepted: each array, map or tag opens one level, so a
  // top-level scalar is at depth 0 and [[1]] reaches depth 2.
  size_t max_depth = 16;
  // max_string_length bounds the length of one byte or text string.
  size_t max_string_length = size_t{16} << 20;
  // max_items bounds the number of data items in the whole input (every scalar, container
  // and tag counts one; a map entry counts two).
  size_t max_items = size_t{1} << 16;
};

// Decode parses exactly one deterministically encoded data item that fills all of |in|.
// On success returns the item. On failure returns kInvalidArgument with a message naming the
// problem and its byte offset: truncated input, trailing bytes, a head that is not the
// shortest, an indefinite length, reserved additional information (28-30), an unsupported
// major-type-7 value (floating point, undefined, other simple values), a break outside an
// indefinite item, a map with unsorted or duplicate keys, a text string that is not valid
// UTF-8, a bignum (tags 2, 3) not in preferred serialization, or a limit in |limits|
// exceeded. A declared length is checked against the remaining input before anything is
// allocated for it.
Result<Value> Decode(ByteSpan in, const DecodeLimits& limits = {});

// Encode returns the deterministic encoding of |v| (RFC 8949 §4.2.1): shortest heads,
// definite lengths, map entries sorted by the bytewise lexicographic order of their encoded
// keys. Fails with kInvalidArgument when a map has two equal keys or a text string is not
// valid UTF-8.
Result<iotsec::Bytes> Encode(const Value& v);

// EncodeTo appends the deterministic encoding of |v| to |out|; on failure (as for Encode) |out|
// may hold a partial encoding.
Status EncodeTo(const Value& v, iotsec::Bytes& out);

// AppendHead appends the shortest head of major type |major| (0-7) with argument |arg|; for
// callers that stream a known structure (a bstr header followed by the octets) without
// building a Value.
void AppendHead(iotsec::Bytes& out, uint8_t major, uint64_t arg);

// IsValidUtf8 returns whether |s| is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(ByteSpan s);

// ToDiagnostic returns |v| in CBOR diagnostic notation (RFC 8949 §8), e.g.
// `{1: -7, 4: h'3131'}`, for logs and tests.
std::string ToDiagnostic(const Value& v);

}  // namespace iotsec::cose::cbor

#endif  // IOTSEC_COSE_CBOR_H_
