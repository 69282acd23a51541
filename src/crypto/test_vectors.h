// Copyright iotsec authors.
// Test-only reader of the known-answer files in src/crypto/testdata/ (STYLE.md rule 17).
//
// Format: one "Name = value" per line; a blank line ends a record; lines starting with '#' are
// comments (each file starts with one naming the source of its vectors). Values are hex unless
// a field's documentation says otherwise; an empty value is a zero-length string.
#ifndef IOTSEC_CRYPTO_TEST_VECTORS_H_
#define IOTSEC_CRYPTO_TEST_VECTORS_H_

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/random.h"

namespace iotsec::crypto::testing {

// TestVector is one record: field name to raw (undecoded) value.
class TestVector {
 public:
  explicit TestVector(std::map<std::string, std::string> fields) : fields_(std::move(fields)) {}

  // Has says whether the record has field |name|.
  bool Has(const std::string& name) const { return fields_.count(name) != 0; }
  // Text returns the raw value of |name|; a missing field fails the current test and gives "".
  std::string Text(const std::string& name) const;
  // Hex returns the hex-decoded value of |name|; a missing or malformed field fails the test.
  Bytes Hex(const std::string& name) const;

 private:
  std::map<std::string, std::string> fields_;
};

// LoadVectors reads src/crypto/testdata/<file>. A missing file or malformed line fails the
// current test (and gives the records read so far).
std::vector<TestVector> LoadVectors(const std::string& file);

// QueueRng is an Rng for tests: each Fill takes the next queued byte string (whose size must
// match the request) or, once the queue is empty, fails with |exhausted_code|.
class QueueRng : public Rng {
 public:
  void Push(Bytes b) { queue_.push_back(std::move(b)); }
  Status Fill(std::span<uint8_t> out) override;

  ErrorCode exhausted_code = ErrorCode::kUnavailable;
  int fills = 0;

 private:
  std::deque<Bytes> queue_;
};

}  // namespace iotsec::crypto::testing

#endif  // IOTSEC_CRYPTO_TEST_VECTORS_H_
