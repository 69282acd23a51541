// Copyright iotsec authors.
// A Key Management Service for identity-based cryptography (X.1365 Annex C): system
// initialization, identity and key provisioning, public parameter lookup and revocation.
//
// A KMS directory holds kms.secret (mode 0600), kms.pub and, once something is revoked,
// revocations. Formats: doc/formats/kms-files.md.
#ifndef IOTSEC_KMS_KMS_H_
#define IOTSEC_KMS_KMS_H_

#include <string>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/random.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/kms/files.h"

namespace iotsec::kms {

inline constexpr char kSecretFile[] = "kms.secret";
inline constexpr char kPublicFile[] = "kms.pub";
inline constexpr char kRevocationsFile[] = "revocations";
inline constexpr char kRevocationsFormat[] = "iotsec-kms-revocations-v1";

// RevocationList is the set of identities a KMS has revoked before their key period ended.
class RevocationList {
 public:
  // Parse reads the revocations file: the line "iotsec-kms-revocations-v1", then one identity
  // per line as lowercase hex, sorted, no duplicates. kInvalidArgument otherwise.
  static Result<RevocationList> Parse(ByteSpan text);
  // Encode returns the file's text.
  std::string Encode() const;
  // Contains reports whether |id| is revoked.
  bool Contains(ByteSpan id) const;
  // Add revokes |id|; returns false if it was revoked already.
  bool Add(ByteSpan id);
  size_t size() const { return ids_.size(); }

 private:
  std::vector<Bytes> ids_;  // sorted
};

// LoadRevocations reads a revocations file; a missing file is an empty list.
Result<RevocationList> LoadRevocations(const std::string& path);

// Kms is one KMS's master secrets, public parameters and revocation list.
class Kms {
 public:
  // Initialize performs system initialization (X.1365 Annex C; RFC 6507 §4.2, RFC 6508 §2.2):
  // draws KSAK and z from |rng| and derives KPAK and Z. Fails only if |rng| fails.
  static Result<Kms> Initialize(crypto::Rng& rng);

  // FromSecrets builds a KMS from existing master secrets (for example, known-answer tests).
  // kInvalidArgument if a secret is out of range.
  static Result<Kms> FromSecrets(MasterSecrets secrets);

  // Open loads the KMS in |dir|. kNotFound if |dir| has no kms.secret; kDataLoss if kms.pub
  // does not match the master secrets; kInvalidArgument if a file is malformed.
  static Result<Kms> Open(const std::string& dir);

  // Create writes a new KMS into |dir| (created with mode 0700 if missing): kms.secret with
  // mode 0600 and kms.pub, each atomically. kAlreadyExists if |dir| already holds a KMS.
  Status Create(const std::string& dir) const;

  // public_params returns KPAK and Z (public parameter lookup).
  const PublicParams& public_params() const { return public_; }
  const RevocationList& revocations() const { return revoked_; }

  // Issue provisions SSK, PVT and RSK for |id| (RFC 6507 §5.1.1, RFC 6508 §6.1.1) and checks
  // them as the receiver will (ValidateUserKey). Refuses: an identity without a key period
  // (kInvalidArgument; expected "YYYY-MM|uri"), a period that has ended or lies more than one
  // month after |now| (kFailedPrecondition), a revoked identity (kPermissionDenied), an empty or
  // over-long identity (kInvalidArgument).
  Result<UserKey> Issue(ByteSpan id, const ibc::KeyPeriod& now, crypto::Rng& rng) const;

  // IssueEccsi provisions only the ECCSI key pair (SSK, PVT) of |id| (RFC 6507 §5.1.1) and
  // validates it (§5.1.2), with the same refusals as Issue. It is what onboarding issues to a
  // device: an RSK costs a SAKKE issuance and, at the receiver, a 7 ms validation.
  Result<ibc::EccsiUserKey> IssueEccsi(ByteSpan id, const ibc::KeyPeriod& now,
                                       crypto::Rng& rng) const;

  // Revoke adds |id| to the revocation list and writes it atomically into |dir|.
  // kAlreadyExists if it was revoked already.
  Status Revoke(const std::string& dir, ByteSpan id);

 private:
  Status CheckIssuable(ByteSpan id, const ibc::KeyPeriod& now) const;
  Kms(MasterSecrets s, PublicParams p) : secrets_(std::move(s)), public_(p) {}
  MasterSecrets secrets_;
  PublicParams public_;
  RevocationList revoked_;
};

}  // namespace iotsec::kms

#endif  // IOTSEC_KMS_KMS_H_
