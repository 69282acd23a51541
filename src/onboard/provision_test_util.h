// Copyright iotsec authors.
// Test helpers for the provisioning exchange: a ledger-like log of signed records in a
// MemoryTree (no admission rules: entries are just signed records appended in order), and a
// KmsProofSource that proves one record of it. Used by provision_test.cc and the
// onboard_answer fuzzer; no test framework inside.
#ifndef IOTSEC_ONBOARD_PROVISION_TEST_UTIL_H_
#define IOTSEC_ONBOARD_PROVISION_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/hash.h"
#include "iotsec/ledger/merkle.h"
#include "iotsec/ledger/record.h"
#include "iotsec/onboard/provision.h"

namespace iotsec::onboard::testing {

inline constexpr const char* kTestOrigin = "ledger.example/onboard-test";

// TestOrgSigner returns the signer of |org| on |origin| with a key derived from its name.
inline Result<ledger::OrgSigner> TestOrgSigner(std::string_view org,
                                               std::string_view origin = kTestOrigin) {
  const auto seed = crypto::Sha256(AsBytes("onboard test org key " + std::string(org)));
  IOTSEC_TRY(key, crypto::Ed25519PrivateKey::FromSeed(seed));
  return ledger::OrgSigner::Create(origin, org, std::move(key));
}

// FakeLedger is an append-only log of entries and its Merkle tree. Thread-safe.
class FakeLedger {
 public:
  // Append appends |entry| and returns its index.
  uint64_t Append(ByteSpan entry) {
    std::lock_guard<std::mutex> lock(mu_);
    tree_.AppendLeaf(entry);
    return tree_.size() - 1;
  }

  // AppendRecord signs |body| as |org| (on |origin|) with the org's next sequence number and
  // appends the log entry (the signed record without its attachment); returns its index.
  Result<uint64_t> AppendRecord(const std::string& org, ledger::RecordBody body,
                                std::string_view origin = kTestOrigin) {
    IOTSEC_TRY(entry, SignEntry(org, std::move(body), origin));
    return Append(entry);
  }

  // SignEntry returns the log entry of |body| signed by |org| (not appended).
  Result<Bytes> SignEntry(const std::string& org, ledger::RecordBody body,
                          std::string_view origin = kTestOrigin) {
    uint64_t seq = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seq = ++seq_[org];
    }
    IOTSEC_TRY(signer, TestOrgSigner(org, origin));
    IOTSEC_TRY(bundle, ledger::SignRecord(ledger::Record{seq, std::move(body)}, signer));
    IOTSEC_TRY(parsed, ledger::ParseRecord(bundle));
    return parsed.encoded();
  }

  // Anchor returns what a device verifies of the log now: its size, root and origin.
  LogAnchor Anchor() {
    std::lock_guard<std::mutex> lock(mu_);
    return LogAnchor{tree_.size(), tree_.Root(), kTestOrigin};
  }

  // Prove returns the inclusion proof of leaf |index| in the tree of |size| leaves; the
  // tree's error (kNotFound) when |size| is beyond the log, kInvalidArgument if index >= size.
  Result<std::vector<ledger::Hash>> Prove(uint64_t index, uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    return ledger::InclusionProof(tree_, index, size);
  }

  // size returns the number of entries.
  uint64_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return tree_.size();
  }

 private:
  std::mutex mu_;
  ledger::MemoryTree tree_;
  std::map<std::string, uint64_t> seq_;
};

// KmsParamsOf returns the KMS-parameters body that publishes |kms| and |onboarding_key| for
// |period|.
inline ledger::KmsParams KmsParamsOf(const kms::Kms& kms, const X25519Public& onboarding_key,
                                     const ibc::KeyPeriod& period) {
  ledger::KmsParams p;
  p.period = period;
  p.kpak = kms.public_params().kpak;
  p.z = kms.public_params().z;
  std::copy(onboarding_key.begin(), onboarding_key.end(), p.onboarding_key.begin());
  return p;
}

// LedgerProofSource proves the entry at |index| of |ledger| for any tree size that holds it:
// kFailedPrecondition for a size before the record or beyond the log.
class LedgerProofSource final : public KmsProofSource {
 public:
  LedgerProofSource(FakeLedger* ledger, uint64_t index, Bytes entry)
      : ledger_(ledger), index_(index), entry_(std::move(entry)) {}

  Result<KmsRecordProof> Prove(uint64_t tree_size) override {
    if (tree_size <= index_) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "the tree of " + std::to_string(tree_size) + " entries predates the KMS record");
    }
    if (tree_size > ledger_->size()) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "the tree of " + std::to_string(tree_size) + " entries is beyond this log");
    }
    IOTSEC_TRY(proof, ledger_->Prove(index_, tree_size));
    return KmsRecordProof{index_, entry_, std::move(proof)};
  }

 private:
  FakeLedger* ledger_;
  uint64_t index_;
  Bytes entry_;
};

}  // namespace iotsec::onboard::testing

#endif  // IOTSEC_ONBOARD_PROVISION_TEST_UTIL_H_
