// Copyright iotsec authors.
// Software attestation keys: the private scalar in OpenSSL, read from a 32-octet key file.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "iotsec/common/file.h"
#include "iotsec/crypto/ecdsa.h"
#include "iotsec/crypto/secret_bytes.h"
#include "iotsec/device/attestation.h"

namespace iotsec::device {

AttestationKey::~AttestationKey() = default;

namespace {

// kMaxKeyFileRead bounds the read of a key file: enough to report a wrong size precisely,
// small enough that a wrong path to a large file costs nothing.
constexpr size_t kMaxKeyFileRead = 4096;

// SoftwareAttestationKey keeps the key inside OpenSSL (EcdsaP256PrivateKey); it is immutable
// and so safe to use from several threads.
class SoftwareAttestationKey final : public AttestationKey {
 public:
  explicit SoftwareAttestationKey(crypto::EcdsaP256PrivateKey key) : key_(std::move(key)) {}

  std::array<uint8_t, 65> PublicKey() const override { return key_.PublicKey().Uncompressed(); }

  Result<std::array<uint8_t, 64>> Sign(ByteSpan message) override { return key_.Sign(message); }

 private:
  crypto::EcdsaP256PrivateKey key_;
};

}  // namespace

Result<std::unique_ptr<AttestationKey>> LoadSoftwareAttestationKey(const std::string& path) {
  // The scalar only ever passes through zeroizing memory (STYLE.md rule 13).
  crypto::SecretBytes scalar;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, scalar, kMaxKeyFileRead));
  if (scalar.size() != crypto::kP256ScalarSize) {
    return Fail(ErrorCode::kInvalidArgument,
                path +
                    ": an attestation key file holds exactly 32 octets (the raw big-endian "
                    "P-256 private scalar), this one has " +
                    std::to_string(scalar.size()));
  }
  auto key = crypto::EcdsaP256PrivateKey::FromScalar(scalar.span());
  if (!key.has_value()) {
    // FromScalar's message says what is wrong without revealing the scalar.
    return Fail(key.error().code(), path + ": " + key.error().message());
  }
  return std::make_unique<SoftwareAttestationKey>(std::move(*key));
}

Result<std::unique_ptr<AttestationKey>> GenerateSoftwareAttestationKey() {
  IOTSEC_TRY(key, crypto::EcdsaP256PrivateKey::Generate());
  return std::make_unique<SoftwareAttestationKey>(std::move(key));
}

}  // namespace iotsec::device
