// Copyright iotsec authors.
// Test helpers for ledger records and state: deterministic organization keys, a small genesis
// config, and a ledger that signs, parses and applies records.
#ifndef IOTSEC_LEDGER_RECORD_TEST_UTIL_H_
#define IOTSEC_LEDGER_RECORD_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/ledger/record.h"
#include "iotsec/ledger/state.h"
#include "iotsec/ledger/state_genesis.h"

namespace iotsec::ledger::testing {

inline constexpr const char* kOrigin = "ledger.example/test";

// OrgKeyFor returns a deterministic Ed25519 key for |org| (seed = SHA-256 of its name).
inline crypto::Ed25519PrivateKey OrgKeyFor(std::string_view org) {
  const auto seed = crypto::Sha256(AsBytes(std::string("org key ") + std::string(org)));
  auto key = crypto::Ed25519PrivateKey::FromSeed(seed);
  EXPECT_TRUE(key.has_value());
  return *key;
}

// SignerFor returns the OrgSigner of |org| on the test ledger.
inline OrgSigner SignerFor(std::string_view org, std::string_view origin = kOrigin) {
  auto s = OrgSigner::Create(origin, org, OrgKeyFor(org));
  EXPECT_TRUE(s.has_value());
  return *s;
}

// AttestationKeyFor returns a deterministic valid P-256 public key (scalar = i + 1).
inline AttestationKey AttestationKeyFor(uint32_t i) {
  std::array<uint8_t, 32> d{};
  const uint64_t v = static_cast<uint64_t>(i) + 1;
  for (int b = 0; b < 8; ++b) {
    d[31 - b] = static_cast<uint8_t>(v >> (8 * b));
  }
  auto key = crypto::EcdsaP256PrivateKey::FromScalar(d);
  EXPECT_TRUE(key.has_value());
  return key->PublicKey().Uncompressed();
}

// TestGenesis returns a config with root organizations "root" (an admitter, ledger node) and
// "registry" (a ledger node that is not an admitter).
inline GenesisConfig TestGenesis() {
  GenesisConfig g;
  g.origin = kOrigin;
  g.orgs.push_back({"root", "Root Registry", RoleSet{Role::kLedgerNode},
                    OrgKeyFor("root").PublicKey().Bytes(), true});
  g.orgs.push_back({"registry", "Second Registry", RoleSet{Role::kLedgerNode, Role::kWitness},
                    OrgKeyFor("registry").PublicKey().Bytes(), false});
  g.checkpoint_signer = {"ledger.example/test-signer", OrgKeyFor("ckpt").PublicKey().Bytes()};
  g.witnesses.push_back({"witness-1", OrgKeyFor("w1").PublicKey().Bytes()});
  g.witnesses.push_back({"witness-2", OrgKeyFor("w2").PublicKey().Bytes()});
  g.witness_quorum = 1;
  return g;
}

// FlipSignatureBit flips the last bit of the signature of a record bundle (the last octet of
// its entry), so that the record parses but its signature fails.
inline void FlipSignatureBit(Bytes& bundle) {
  auto size = EntrySize(bundle);
  ASSERT_TRUE(size.has_value()) << size.error().ToString();
  bundle[*size - 1] ^= 0x01;
}

// TestLedger is a state plus what a writer needs: per-organization sequence numbers and the
// next log index.
class TestLedger {
 public:
  TestLedger() : state_(*LedgerState::Create(TestGenesis())) {}

  LedgerState& state() { return state_; }
  uint64_t next_index() const { return next_index_; }

  // NextSeq returns (and consumes) |org|'s next sequence number.
  uint64_t NextSeq(const std::string& org) { return ++seq_[org]; }

  // Sign signs |body| as |org| with its next sequence number.
  Bytes Sign(const std::string& org, RecordBody body) {
    Record r{NextSeq(org), std::move(body)};
    auto b = SignRecord(r, SignerFor(org));
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    return b.value_or(Bytes{});
  }

  // Submit parses |encoded| and validates and applies it at the next index.
  Status Submit(const Bytes& encoded) {
    auto parsed = ParseRecord(encoded);
    if (!parsed.has_value()) {
      return Unexpected(parsed.error());
    }
    IOTSEC_RETURN_IF_ERROR(state_.ValidateAndApply(*parsed, next_index_));
    ++next_index_;
    return Ok();
  }

  // Put signs and submits, returning the log index it got.
  Result<uint64_t> Put(const std::string& org, RecordBody body) {
    const uint64_t index = next_index_;
    IOTSEC_RETURN_IF_ERROR(Submit(Sign(org, std::move(body))));
    return index;
  }

  // MustPut is Put that expects success.
  uint64_t MustPut(const std::string& org, RecordBody body) {
    auto r = Put(org, std::move(body));
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or(0);
  }

  // Admit admits |org| with |roles| (signed by "root").
  uint64_t Admit(const std::string& org, RoleSet roles) {
    return MustPut("root",
                   OrgAdmission{org, "Org " + org, roles, OrgKeyFor(org).PublicKey().Bytes()});
  }

 private:
  LedgerState state_;
  std::map<std::string, uint64_t> seq_;
  uint64_t next_index_ = 0;
};

// Births returns a birth batch of |n| devices "urn:dev:<mfr>:<prefix><i>" (sorted).
// Device i gets attestation key AttestationKeyFor(i % 64).
inline DeviceBirthBatch Births(const std::string& mfr, const std::string& prefix, uint32_t n,
                               uint32_t first = 0) {
  static const std::vector<AttestationKey> keys = [] {
    std::vector<AttestationKey> k;
    for (uint32_t i = 0; i < 64; ++i) {
      k.push_back(AttestationKeyFor(i));
    }
    return k;
  }();
  DeviceBirthBatch b;
  for (uint32_t i = first; i < first + n; ++i) {
    b.devices.push_back(
        {"urn:dev:" + mfr + ":" + prefix + std::to_string(i), keys[i % 64], "model-x"});
  }
  std::sort(b.devices.begin(), b.devices.end(),
            [](const DeviceBirth& x, const DeviceBirth& y) { return x.device_id < y.device_id; });
  return b;
}

// Ids returns the device ids of |b|.
inline std::vector<std::string> Ids(const DeviceBirthBatch& b) {
  std::vector<std::string> out;
  for (const DeviceBirth& d : b.devices) {
    out.push_back(d.device_id);
  }
  return out;
}

}  // namespace iotsec::ledger::testing

#endif  // IOTSEC_LEDGER_RECORD_TEST_UTIL_H_
