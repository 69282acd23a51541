// Copyright iotsec authors.
#include "iotsec/kms/kms.h"

#include <sys/stat.h>

#include <algorithm>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ct.h"

namespace iotsec::kms {
namespace {

std::string Join(const std::string& dir, const char* name) { return dir + "/" + name; }

std::string_view AsText(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

// --- RevocationList ---------------------------------------------------------------------------

Result<RevocationList> RevocationList::Parse(ByteSpan text) {
  std::string_view t = AsText(text);
  RevocationList list;
  size_t line_no = 0;
  bool header = false;
  while (!t.empty()) {
    size_t nl = t.find('\n');
    if (nl == std::string_view::npos) {
      return Fail(ErrorCode::kInvalidArgument, "revocations: line " +
                                                   std::to_string(line_no + 1) +
                                                   " does not end with a newline");
    }
    std::string_view line = t.substr(0, nl);
    t.remove_prefix(nl + 1);
    ++line_no;
    if (!header) {
      if (line != kRevocationsFormat) {
        return Fail(ErrorCode::kInvalidArgument,
                    std::string("revocations: the first line must be ") + kRevocationsFormat);
      }
      header = true;
      continue;
    }
    auto id = HexDecode(line);
    if (!id || id->empty() || id->size() > kMaxIdentitySize || HexEncode(*id) != line) {
      return Fail(ErrorCode::kInvalidArgument,
                  "revocations: line " + std::to_string(line_no) +
                      " is not an identity in lowercase hex");
    }
    if (!list.ids_.empty() && !(list.ids_.back() < *id)) {
      return Fail(ErrorCode::kInvalidArgument, "revocations: line " + std::to_string(line_no) +
                                                   " is out of order or a duplicate");
    }
    list.ids_.push_back(std::move(*id));
  }
  if (!header) {
    return Fail(ErrorCode::kInvalidArgument, "revocations: empty file");
  }
  return list;
}

std::string RevocationList::Encode() const {
  std::string out = std::string(kRevocationsFormat) + "\n";
  for (const Bytes& id : ids_) {
    out += HexEncode(id);
    out += '\n';
  }
  return out;
}

bool RevocationList::Contains(ByteSpan id) const {
  Bytes key(id.begin(), id.end());
  return std::binary_search(ids_.begin(), ids_.end(), key);
}

bool RevocationList::Add(ByteSpan id) {
  Bytes key(id.begin(), id.end());
  auto it = std::lower_bound(ids_.begin(), ids_.end(), key);
  if (it != ids_.end() && *it == key) {
    return false;
  }
  ids_.insert(it, std::move(key));
  return true;
}

Result<RevocationList> LoadRevocations(const std::string& path) {
  auto text = ReadFile(path);
  if (!text && text.error().code() == ErrorCode::kNotFound) {
    return RevocationList();
  }
  if (!text) {
    return Unexpected(text.error());
  }
  return RevocationList::Parse(*text);
}

// --- Kms --------------------------------------------------------------------------------------

Result<Kms> Kms::Initialize(crypto::Rng& rng) {
  MasterSecrets s;
  IOTSEC_TRY(ksak, ibc::EccsiGenerateKsak(rng));
  IOTSEC_TRY(z, ibc::SakkeGenerateMasterSecret(rng));
  s.ksak = std::move(ksak);
  s.z = std::move(z);
  return FromSecrets(std::move(s));
}

Result<Kms> Kms::FromSecrets(MasterSecrets secrets) {
  PublicParams p;
  IOTSEC_TRY(kpak, ibc::EccsiKpakFromKsak(secrets.ksak));
  IOTSEC_TRY(z, ibc::SakkeZFromMasterSecret(secrets.z));
  p.kpak = kpak;
  p.z = z;
  return Kms(std::move(secrets), p);
}

Result<Kms> Kms::Open(const std::string& dir) {
  crypto::SecretBytes secret_text;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(Join(dir, kSecretFile), secret_text, 4096));
  auto secrets = ParseMasterSecrets(secret_text.span());
  if (!secrets) {
    return Fail(secrets.error().code(), "kms.secret: " + secrets.error().message());
  }
  IOTSEC_TRY(kms, FromSecrets(std::move(*secrets)));
  IOTSEC_TRY(pub_text, ReadFile(Join(dir, kPublicFile), 4096));
  auto pub = ParsePublicParams(pub_text);
  if (!pub) {
    return Fail(pub.error().code(), "kms.pub: " + pub.error().message());
  }
  if (pub->kpak != kms.public_.kpak || pub->z != kms.public_.z) {
    return Fail(ErrorCode::kDataLoss, "kms.pub in " + dir + " does not match kms.secret");
  }
  IOTSEC_TRY(revoked, LoadRevocations(Join(dir, kRevocationsFile)));
  kms.revoked_ = std::move(revoked);
  return kms;
}

Status Kms::Create(const std::string& dir) const {
  IOTSEC_RETURN_IF_ERROR(MakeDirectory(dir, 0700));
  struct stat st;
  if (::stat(Join(dir, kSecretFile).c_str(), &st) == 0) {
    return Fail(ErrorCode::kAlreadyExists, dir + " already holds a KMS (kms.secret exists)");
  }
  crypto::SecretBytes secret_text = EncodeMasterSecrets(secrets_);
  IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kSecretFile), secret_text.span(), 0600));
  std::string pub = EncodePublicParams(public_);
  return WriteFileAtomic(Join(dir, kPublicFile), AsBytes(pub), 0644);
}

Status Kms::CheckIssuable(ByteSpan id, const ibc::KeyPeriod& now) const {
  if (id.empty() || id.size() > kMaxIdentitySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "identity must be 1 to " + std::to_string(kMaxIdentitySize) + " octets");
  }
  auto parsed = ibc::ParseIdentity(id);
  if (!parsed) {
    return Fail(ErrorCode::kInvalidArgument,
                "identity has no key period; expected YYYY-MM|uri (for example " +
                    now.ToString() + "|urn:dev:acme:0001)");
  }
  // ARCHITECTURE.md §5: keys expire with their period. A KMS may provision the next period's
  // keys ahead of time (as RFC 6509 §3.2.1 expects), but none for a past or a later period.
  int period = parsed->period.Index();
  if (period < now.Index()) {
    return Fail(ErrorCode::kFailedPrecondition, "the key period " + parsed->period.ToString() +
                                                    " has expired (now " + now.ToString() + ")");
  }
  if (period > now.Index() + 1) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the key period " + parsed->period.ToString() +
                    " is too far ahead (now " + now.ToString() + "; at most one month ahead)");
  }
  if (revoked_.Contains(id)) {
    return Fail(ErrorCode::kPermissionDenied, "identity " + parsed->uri + " for " +
                                                  parsed->period.ToString() + " is revoked");
  }
  return Ok();
}

Result<UserKey> Kms::Issue(ByteSpan id, const ibc::KeyPeriod& now, crypto::Rng& rng) const {
  IOTSEC_RETURN_IF_ERROR(CheckIssuable(id, now));
  UserKey key;
  key.id = ToBytes(id);
  IOTSEC_TRY(eccsi, ibc::EccsiIssue(secrets_.ksak, public_.kpak, id, rng));
  key.ssk = std::move(eccsi.ssk);
  key.pvt = eccsi.pvt;
  IOTSEC_TRY(rsk, ibc::SakkeIssueRsk(secrets_.z, id));
  key.rsk = std::move(rsk);
  // Check the key as its receiver will, so that a fault is caught here and not in the field.
  IOTSEC_RETURN_IF_ERROR(ValidateUserKey(public_, key));
  return key;
}

Result<ibc::EccsiUserKey> Kms::IssueEccsi(ByteSpan id, const ibc::KeyPeriod& now,
                                          crypto::Rng& rng) const {
  IOTSEC_RETURN_IF_ERROR(CheckIssuable(id, now));
  IOTSEC_TRY(key, ibc::EccsiIssue(secrets_.ksak, public_.kpak, id, rng));
  // RFC 6507 §5.1.2, as the receiver will check it.
  IOTSEC_RETURN_IF_ERROR(ibc::EccsiValidateUserKey(public_.kpak, id, key.ssk, key.pvt));
  return key;
}

Status Kms::Revoke(const std::string& dir, ByteSpan id) {
  if (id.empty() || id.size() > kMaxIdentitySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "identity must be 1 to " + std::to_string(kMaxIdentitySize) + " octets");
  }
  RevocationList next = revoked_;
  if (!next.Add(id)) {
    return Fail(ErrorCode::kAlreadyExists, "identity is already revoked");
  }
  std::string text = next.Encode();
  IOTSEC_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kRevocationsFile), AsBytes(text), 0644));
  revoked_ = std::move(next);
  return Ok();
}

}  // namespace iotsec::kms
