// Copyright iotsec authors.
// The KMS's files (X.1365 Annex C public parameters and provisioned keys), all flat JSON
// objects: kms.pub, kms.secret, key files. Formats: doc/formats/kms-files.md.
#ifndef IOTSEC_KMS_FILES_H_
#define IOTSEC_KMS_FILES_H_

#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/ibc/eccsi.h"
#include "iotsec/ibc/sakke.h"

namespace iotsec::kms {

inline constexpr char kPublicFormat[] = "iotsec-kms-public-v1";
inline constexpr char kSecretFormat[] = "iotsec-kms-secret-v1";
inline constexpr char kKeyFormat[] = "iotsec-ibc-key-v1";
// kMaxIdentitySize bounds identities in key files and on the command line.
inline constexpr size_t kMaxIdentitySize = 1024;

// PublicParams are a KMS's public parameters: ECCSI KPAK and SAKKE Z.
struct PublicParams {
  ibc::EccsiPoint kpak{};
  ibc::SakkePoint z{};
};

// EncodePublicParams returns kms.pub: {"format": "iotsec-kms-public-v1", "eccsi_kpak": HEX,
// "sakke_z": HEX} and a newline.
std::string EncodePublicParams(const PublicParams& p);

// ParsePublicParams parses kms.pub strictly (exactly those fields, hex of exactly 65 and 257
// octets, uncompressed point prefix 0x04). kInvalidArgument otherwise. Whether the points lie
// on their curves is checked where they are used (ECCSI/SAKKE refuse them then).
Result<PublicParams> ParsePublicParams(ByteSpan text);

// MasterSecrets are a KMS's master secrets: ECCSI KSAK and SAKKE z (RFC 6507 §4.2, RFC 6508 §2.2).
struct MasterSecrets {
  crypto::SecretBytes ksak;  // 32 octets
  crypto::SecretBytes z;     // 128 octets
};

// EncodeMasterSecrets returns kms.secret: {"format": "iotsec-kms-secret-v1", "eccsi_ksak": HEX,
// "sakke_z": HEX} and a newline, in a zeroizing buffer.
crypto::SecretBytes EncodeMasterSecrets(const MasterSecrets& s);

// ParseMasterSecrets parses kms.secret strictly; kInvalidArgument otherwise. The error message
// never contains secret digits.
Result<MasterSecrets> ParseMasterSecrets(ByteSpan text);

// UserKey is the key material a KMS provisions to one identity.
struct UserKey {
  Bytes id;                  // the identity's octets
  crypto::SecretBytes ssk;   // ECCSI SSK, 32 octets
  ibc::EccsiPoint pvt{};     // ECCSI PVT
  crypto::SecretBytes rsk;   // SAKKE RSK, 257 octets
};

// EncodeKeyFile returns a key file: {"format": "iotsec-ibc-key-v1", "id": HEX, "eccsi_ssk": HEX,
// "eccsi_pvt": HEX, "sakke_rsk": HEX} and a newline, in a zeroizing buffer.
crypto::SecretBytes EncodeKeyFile(const UserKey& key);

// ParseKeyFile parses a key file strictly (exactly those five fields and lengths; an identity
// of 1 to kMaxIdentitySize octets). kInvalidArgument otherwise, never echoing secret digits.
Result<UserKey> ParseKeyFile(ByteSpan text);

// ValidateUserKey performs the receiver's checks of an issued key: RFC 6507 §5.1.2 for
// (SSK, PVT) and RFC 6508 §6.1.2 for RSK. kInvalidArgument on malformed values,
// kUnauthenticated if the key does not belong to key.id under |params|.
Status ValidateUserKey(const PublicParams& params, const UserKey& key);

}  // namespace iotsec::kms

#endif  // IOTSEC_KMS_FILES_H_
