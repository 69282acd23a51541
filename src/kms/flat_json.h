// Copyright iotsec authors.
// A strict parser for the flat JSON objects of iotsec's key and parameter files
// (doc/formats/kms-files.md): one object whose values are all strings of printable ASCII
// without escapes. It never copies values, so secret hex stays in the caller's zeroizing buffer.
#ifndef IOTSEC_KMS_FLAT_JSON_H_
#define IOTSEC_KMS_FLAT_JSON_H_

#include <string_view>
#include <vector>

#include "iotsec/common/result.h"

namespace iotsec::kms {

struct FlatJsonField {
  std::string_view key;
  std::string_view value;  // a view into the parsed text
};

// ParseFlatJsonObject parses |text| as exactly one JSON object of string members, with JSON
// whitespace allowed around tokens. kInvalidArgument on anything else: other value types,
// escapes, control or non-ASCII characters, duplicate keys, trailing data, more than 16 members.
Result<std::vector<FlatJsonField>> ParseFlatJsonObject(std::string_view text);

// ExpectFields checks that |fields| has exactly the keys |names| (any order) and returns their
// values in the order of |names|. kInvalidArgument naming a missing or unexpected key.
Result<std::vector<std::string_view>> ExpectFields(const std::vector<FlatJsonField>& fields,
                                                   std::initializer_list<std::string_view> names);

}  // namespace iotsec::kms

#endif  // IOTSEC_KMS_FLAT_JSON_H_
