// Copyright iotsec authors.
// Test helpers for the checkpoint tests: the known-answer file testdata/checkpoint_notes.txt
// (its header says where each value comes from) and signers with fixed seeds.
#ifndef IOTSEC_LEDGER_CHECKPOINT_TEST_UTIL_H_
#define IOTSEC_LEDGER_CHECKPOINT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "iotsec/crypto/ed25519.h"
#include "iotsec/ledger/checkpoint.h"

namespace iotsec::ledger::testing {

// NoteVectors returns the "name = value" records of testdata/checkpoint_notes.txt with "\n"
// unescaped; a missing file or malformed line fails the test.
inline std::map<std::string, std::string> NoteVectors() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(IOTSEC_SOURCE_DIR) + "/src/ledger/testdata/checkpoint_notes.txt");
  EXPECT_TRUE(in.good()) << "cannot open checkpoint_notes.txt";
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) {
      ADD_FAILURE() << "malformed line: " << line;
      continue;
    }
    std::string value;
    const std::string raw = line.substr(eq + 3);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == 'n') {
        value += '\n';
        ++i;
      } else {
        value += raw[i];
      }
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// Vector returns one record of NoteVectors(), failing the test if it is missing.
inline std::string Vector(const std::map<std::string, std::string>& v, const std::string& name) {
  auto it = v.find(name);
  EXPECT_NE(it, v.end()) << name;
  return it == v.end() ? std::string() : it->second;
}

// ExpectCode checks that |r| failed with |code|; |what| names the case.
template <typename T>
void ExpectCode(const Result<T>& r, ErrorCode code, const std::string& what) {
  ASSERT_FALSE(r.has_value()) << what;
  EXPECT_EQ(r.error().code(), code) << what << ": " << r.error().ToString();
}

// TestSigner returns a signer named |name| whose Ed25519 seed is 32 octets of |seed_byte|.
inline NoteSigner TestSigner(const std::string& name, uint8_t seed_byte) {
  const Bytes seed(32, seed_byte);
  auto key = crypto::Ed25519PrivateKey::FromSeed(seed);
  EXPECT_TRUE(key.has_value());
  auto signer = NoteSigner::Create(name, *key);
  EXPECT_TRUE(signer.has_value()) << name;
  return *signer;
}

}  // namespace iotsec::ledger::testing

#endif  // IOTSEC_LEDGER_CHECKPOINT_TEST_UTIL_H_
