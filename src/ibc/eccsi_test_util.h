// Copyright iotsec authors.
// Test helpers shared by eccsi_test.cc and eccsi_ct_test.cc: a fake random generator that
// returns given octets, and the loader of the RFC 6507 Appendix A vectors.
#ifndef IOTSEC_IBC_ECCSI_TEST_UTIL_H_
#define IOTSEC_IBC_ECCSI_TEST_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <utility>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/random.h"

namespace iotsec::ibc::eccsi_testing {

// FakeRng returns the octets it was given, in order, then fails with kUnavailable. With
// |poison| it marks every octet it hands out as undefined for valgrind (crypto::CtPoison), as
// the constant-time tests require of secret randomness.
class FakeRng : public crypto::Rng {
 public:
  explicit FakeRng(Bytes stream, bool poison = false)
      : stream_(std::move(stream)), poison_(poison) {}

  Status Fill(std::span<uint8_t> out) override {
    if (out.size() > stream_.size() - pos_) {
      return Fail(ErrorCode::kUnavailable, "fake rng exhausted");
    }
    std::copy_n(stream_.begin() + static_cast<std::ptrdiff_t>(pos_), out.size(), out.begin());
    pos_ += out.size();
    if (poison_) {
      crypto::CtPoison(out.data(), out.size());
    }
    return Ok();
  }

  size_t remaining() const { return stream_.size() - pos_; }

 private:
  Bytes stream_;
  size_t pos_ = 0;
  bool poison_;
};

// LoadVectors reads "name = hex" lines (ignoring blank lines and '#' comments) from a file under
// src/ibc/testdata. Returns an empty map if the file cannot be read or a line is malformed.
inline std::map<std::string, Bytes> LoadVectors(const std::string& name) {
  std::map<std::string, Bytes> out;
  std::ifstream in(std::string(IOTSEC_SOURCE_DIR) + "/src/ibc/testdata/" + name);
  if (!in) {
    return {};
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) {
      return {};
    }
    Result<Bytes> value = HexDecode(line.substr(eq + 3));
    if (!value) {
      return {};
    }
    out[line.substr(0, eq)] = std::move(*value);
  }
  return out;
}

}  // namespace iotsec::ibc::eccsi_testing

#endif  // IOTSEC_IBC_ECCSI_TEST_UTIL_H_
