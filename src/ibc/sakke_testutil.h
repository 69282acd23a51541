// Copyright iotsec authors.
// Test-only helpers for the SAKKE tests: the RFC 6508 Appendix A values of
// src/ibc/testdata/sakke_rfc6508.txt, and a fake random source that returns given octets.
#ifndef IOTSEC_IBC_SAKKE_TESTUTIL_H_
#define IOTSEC_IBC_SAKKE_TESTUTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/random.h"

namespace iotsec::ibc::sakke_testing {

// SakkeKat holds RFC 6508 Appendix A, with every value at its wire length.
struct SakkeKat {
  Bytes z;             // 128 octets
  Bytes z_pub;         // 257 octets: 04 || Zx || Zy
  Bytes id;            // b
  Bytes rsk;           // 257 octets
  Bytes ssv;           // 16 octets
  Bytes r;             // 128 octets
  Bytes r_point;       // 257 octets: R_(b,S)
  Bytes gr;            // 128 octets
  Bytes mask;          // HashToIntegerRange(g^r, 2^128)
  Bytes h;             // 16 octets
  Bytes encapsulated;  // 273 octets: R_(b,S) || H
};

inline Bytes LeftPad(const Bytes& b, size_t n) {
  Bytes out(n - std::min(n, b.size()), 0);
  Append(out, b);
  return out;
}

// LoadSakkeKat reads the KAT file; a missing file or value fails the current test.
inline SakkeKat LoadSakkeKat() {
  std::map<std::string, Bytes> v;
  std::ifstream in(std::string(IOTSEC_SOURCE_DIR) + "/src/ibc/testdata/sakke_rfc6508.txt");
  EXPECT_TRUE(in.good()) << "cannot open sakke_rfc6508.txt";
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    size_t eq = line.find(" = ");
    EXPECT_NE(eq, std::string::npos) << line;
    if (eq == std::string::npos) {
      continue;
    }
    auto hex = HexDecode(line.substr(eq + 3));
    EXPECT_TRUE(hex.has_value()) << line;
    v[line.substr(0, eq)] = hex.value_or(Bytes{});
  }
  for (const char* name :
       {"z", "Zx", "Zy", "b", "RSKx", "RSKy", "SSV", "r", "Rx", "Ry", "gr", "mask", "H"}) {
    EXPECT_EQ(v.count(name), 1u) << "missing " << name;
  }
  SakkeKat k;
  k.z = LeftPad(v["z"], 128);
  k.z_pub = {0x04};
  Append(k.z_pub, v["Zx"]);
  Append(k.z_pub, v["Zy"]);
  k.id = v["b"];
  k.rsk = {0x04};
  Append(k.rsk, v["RSKx"]);
  Append(k.rsk, v["RSKy"]);
  k.ssv = v["SSV"];
  k.r = LeftPad(v["r"], 128);
  k.r_point = {0x04};
  Append(k.r_point, v["Rx"]);
  Append(k.r_point, v["Ry"]);
  k.gr = LeftPad(v["gr"], 128);
  k.mask = v["mask"];
  k.h = v["H"];
  k.encapsulated = k.r_point;
  Append(k.encapsulated, k.h);
  return k;
}

// SakkeFakeRng returns the queued octet strings, one per Fill (each must have the requested size),
// and fails with kUnavailable when the queue is empty. With |poison| it marks what it returns
// as undefined for valgrind (crypto::CtPoison), as a constant-time test does with secrets.
class SakkeFakeRng : public crypto::Rng {
 public:
  explicit SakkeFakeRng(std::deque<Bytes> values, bool poison = false)
      : values_(std::move(values)), poison_(poison) {}
  Status Fill(std::span<uint8_t> out) override {
    if (values_.empty()) {
      return Fail(ErrorCode::kUnavailable, "fake random source is empty");
    }
    Bytes v = std::move(values_.front());
    values_.pop_front();
    EXPECT_EQ(v.size(), out.size());
    std::copy_n(v.begin(), std::min(v.size(), out.size()), out.begin());
    if (poison_) {
      crypto::CtPoison(out.data(), out.size());
    }
    return Ok();
  }

 private:
  std::deque<Bytes> values_;
  bool poison_;
};

}  // namespace iotsec::ibc::sakke_testing

#endif  // IOTSEC_IBC_SAKKE_TESTUTIL_H_
