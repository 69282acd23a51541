// Copyright iotsec authors.
#include "ledger_workload.h"

#include <array>
#include <cstdio>
#include <utility>

#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/ed25519.h"
#include "iotsec/crypto/random.h"

namespace iotsec::cli {

Result<std::vector<LoadOrg>> MakeLoadOrgs(std::string_view origin, std::string_view prefix,
                                          size_t count) {
  std::vector<LoadOrg> orgs;
  orgs.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    IOTSEC_TRY(key, crypto::Ed25519PrivateKey::Generate());
    IOTSEC_TRY(signer, ledger::OrgSigner::Create(
                           origin, std::string(prefix) + "-" + std::to_string(i), std::move(key)));
    orgs.push_back(LoadOrg{std::move(signer), 1});
  }
  return orgs;
}

Result<std::string> RandomPrefix(std::string_view word) {
  std::array<uint8_t, 4> r{};
  IOTSEC_RETURN_IF_ERROR(crypto::SystemRng().Fill(r));
  return std::string(word) + "-" + HexEncode(r);
}

Result<std::vector<ledger::AttestationKey>> AttestationKeyPool(size_t count) {
  std::vector<ledger::AttestationKey> keys;
  keys.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    IOTSEC_TRY(key, crypto::EcdsaP256PrivateKey::Generate());
    keys.push_back(key.PublicKey().Uncompressed());
  }
  return keys;
}

Result<Bytes> AdmissionRecord(const ledger::OrgSigner& admitter, uint64_t seq,
                              const ledger::OrgSigner& org) {
  ledger::Record r;
  r.seq = seq;
  r.body = ledger::OrgAdmission{org.org_id(), "load " + org.org_id(),
                                ledger::RoleSet{ledger::Role::kManufacturer}, org.public_key()};
  return ledger::SignRecord(r, admitter);
}

std::string DeviceSerial(std::string_view serial_prefix, uint64_t n) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(n));
  return std::string(serial_prefix) + digits;
}

Result<Bytes> BirthRecord(LoadOrg& org, std::string_view serial_prefix, uint64_t first,
                          size_t count, const std::vector<ledger::AttestationKey>& keys) {
  if (keys.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no attestation keys");
  }
  ledger::DeviceBirthBatch batch;
  batch.devices.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t n = first + i;
    IOTSEC_TRY(id, ledger::MakeDeviceId(org.signer.org_id(), DeviceSerial(serial_prefix, n)));
    batch.devices.push_back({std::move(id), keys[n % keys.size()], "load-model"});
  }
  ledger::Record r;
  r.seq = org.next_seq;
  r.body = std::move(batch);
  ledger::SortBatch(r);  // zero-padded serials are in order already; this keeps it certain
  IOTSEC_TRY(record, ledger::SignRecord(r, org.signer));
  ++org.next_seq;
  return record;
}

}  // namespace iotsec::cli
