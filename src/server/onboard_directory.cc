// Copyright iotsec authors.
#include "iotsec/server/onboard_directory.h"

#include <algorithm>
#include <string>
#include <utility>

#include "iotsec/ledger/merkle.h"

namespace iotsec::server {

Result<onboard::DeviceFacts> LedgerDirectory::Lookup(std::string_view device_id) {
  IOTSEC_TRY(view, node_.Device(device_id));
  onboard::DeviceFacts f;
  std::copy(view.attestation_key.begin(), view.attestation_key.end(), f.attestation_key.begin());
  f.mno = view.mno;
  f.sps = view.sps;
  f.revoked = view.revoked();
  return f;
}

Result<ledger::KmsParamsView> KmsRecordFor(const ledger::OrgView& org,
                                           const ibc::KeyPeriod& period) {
  const ledger::KmsParamsView* best = nullptr;
  for (const ledger::KmsParamsView& k : org.kms_params) {  // ascending period
    if (k.period.Index() <= period.Index()) {
      best = &k;
    }
  }
  if (best == nullptr) {
    return Fail(ErrorCode::kFailedPrecondition, org.id + " has published no KMS parameters for " +
                                                    period.ToString() + " on the ledger");
  }
  return *best;
}

Result<onboard::KmsRecordProof> LedgerKmsProofSource::Prove(uint64_t tree_size) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_size_ == tree_size && tree_size != 0) {
      return last_;
    }
  }
  IOTSEC_TRY(size, node_.store().Size());
  if (tree_size > size) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the ledger here has " + std::to_string(size) + " entries, not " +
                    std::to_string(tree_size) + " yet");
  }
  IOTSEC_TRY(org, node_.Org(org_id_));
  IOTSEC_TRY(kms, KmsRecordFor(org, period_));
  if (kms.log_index >= tree_size) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the KMS record of " + org_id_ + " is not in the tree of " +
                    std::to_string(tree_size) + " entries");
  }
  onboard::KmsRecordProof p;
  p.index = kms.log_index;
  IOTSEC_TRY(entry, node_.store().Entry(kms.log_index));
  p.entry = std::move(entry);
  IOTSEC_TRY(path, ledger::InclusionProof(node_.store(), kms.log_index, tree_size));
  p.proof = std::move(path);
  std::lock_guard<std::mutex> lock(mu_);
  last_ = p;
  last_size_ = tree_size;
  return p;
}

Result<onboard::DiscoveryFacts> LedgerDiscoverySource::Discover(std::string_view device_id) {
  IOTSEC_TRY(state, node_.DeviceState(device_id, /*binding_only=*/true));
  if (state.view.revoked()) {
    return Fail(ErrorCode::kPermissionDenied, std::string(device_id) + " is revoked");
  }
  if (!state.view.binding_index || state.records.size() != 1 || !state.records[0].member) {
    return Fail(ErrorCode::kFailedPrecondition,
                std::string(device_id) + " is not bound to any service yet");
  }
  onboard::DiscoveryFacts f;
  f.checkpoint = std::move(state.checkpoint);
  ledger::ProvenEntry& b = state.records[0];
  f.binding.index = b.index;
  f.binding.path = std::move(b.proof);
  f.binding.entry = std::move(b.entry);
  f.binding.member = std::move(*b.member);
  const ibc::KeyPeriod period = now_();
  auto add = [&](onboard::ServiceRole role, const std::string& org_id) -> Status {
    IOTSEC_TRY(org, node_.Org(org_id));
    IOTSEC_TRY(kms, KmsRecordFor(org, period));
    f.services.push_back({role, org_id, kms.onboarding_key});
    return Ok();
  };
  if (state.view.mno) {
    IOTSEC_RETURN_IF_ERROR(add(onboard::ServiceRole::kMno, *state.view.mno));
  }
  for (const std::string& sp : state.view.sps) {
    IOTSEC_RETURN_IF_ERROR(add(onboard::ServiceRole::kSp, sp));
  }
  return f;
}

}  // namespace iotsec::server
