// Copyright iotsec authors.
#include "flat_json.h"

#include <string>

namespace iotsec::kms {
namespace {

constexpr size_t kMaxMembers = 16;

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  void SkipSpace() {
    // RFC 8259 §2: ws = space, tab, line feed, carriage return.
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  Result<std::string_view> String() {
    SkipSpace();
    if (i_ >= t_.size() || t_[i_] != '"') {
      return Err("expected a string");
    }
    size_t start = ++i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (c == '\\') {
        return Err("escapes are not allowed");
      }
      if (c < 0x20 || c > 0x7e) {
        return Err("only printable ASCII is allowed in strings");
      }
      ++i_;
    }
    if (i_ >= t_.size()) {
      return Err("unterminated string");
    }
    return t_.substr(start, i_++ - start);
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == t_.size();
  }
  Unexpected Err(const std::string& what) const {
    return Fail(ErrorCode::kInvalidArgument,
                "malformed JSON at offset " + std::to_string(i_) + ": " + what);
  }

 private:
  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<FlatJsonField>> ParseFlatJsonObject(std::string_view text) {
  Parser p(text);
  std::vector<FlatJsonField> out;
  if (!p.Eat('{')) {
    return p.Err("expected '{'");
  }
  if (!p.Eat('}')) {
    while (true) {
      IOTSEC_TRY(key, p.String());
      if (!p.Eat(':')) {
        return p.Err("expected ':'");
      }
      IOTSEC_TRY(value, p.String());
      for (const auto& f : out) {
        if (f.key == key) {
          return p.Err("duplicate key \"" + std::string(key) + "\"");
        }
      }
      if (out.size() == kMaxMembers) {
        return p.Err("too many members");
      }
      out.push_back({key, value});
      if (p.Eat('}')) {
        break;
      }
      if (!p.Eat(',')) {
        return p.Err("expected ',' or '}'");
      }
    }
  }
  if (!p.AtEnd()) {
    return p.Err("trailing data after the object");
  }
  return out;
}

Result<std::vector<std::string_view>> ExpectFields(const std::vector<FlatJsonField>& fields,
                                                   std::initializer_list<std::string_view> names) {
  std::vector<std::string_view> values;
  for (std::string_view name : names) {
    bool found = false;
    for (const auto& f : fields) {
      if (f.key == name) {
        values.push_back(f.value);
        found = true;
        break;
      }
    }
    if (!found) {
      return Fail(ErrorCode::kInvalidArgument, "missing field \"" + std::string(name) + "\"");
    }
  }
  for (const auto& f : fields) {
    bool known = false;
    for (std::string_view name : names) {
      known = known || f.key == name;
    }
    if (!known) {
      return Fail(ErrorCode::kInvalidArgument, "unexpected field \"" + std::string(f.key) + "\"");
    }
  }
  return values;
}

}  // namespace iotsec::kms
