// Copyright iotsec authors.
// Device attestation keys: the ECDSA P-256 key (FIPS 186-4) whose public half is in the device's
// birth record on the ledger (doc/formats/ledger-records.md) and with which the device signs its
// onboarding challenge transcript. The key lives in a TPM 2.0 where one is configured, otherwise
// in software (the key file format is in doc/cli.md, `ledger birth --generate`).
#ifndef IOTSEC_DEVICE_ATTESTATION_H_
#define IOTSEC_DEVICE_ATTESTATION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec::device {

// AttestationKey signs onboarding transcripts with a device's ECDSA P-256 attestation key.
// An AttestationKey may be used from several threads; Sign calls are serialized where the
// backend needs it (a TPM connection).
class AttestationKey {
 public:
  // ~AttestationKey releases the key (and, for a TPM key, the connection to the TPM; the key
  // itself stays persistent in the TPM).
  virtual ~AttestationKey();

  // PublicKey returns the public key as an uncompressed SEC 1 point (SEC 1 v2 §2.3.3:
  // 0x04 || x || y, 65 octets), exactly as in the birth record.
  virtual std::array<uint8_t, 65> PublicKey() const = 0;

  // Sign returns r || s (64 octets, each big-endian) over SHA-256(|message|) (FIPS 186-4 §6.4),
  // verifiable with crypto::EcdsaP256PublicKey::Verify. Fails with kUnavailable when a TPM
  // cannot be reached, kInternal when the TPM or OpenSSL fails otherwise.
  virtual Result<std::array<uint8_t, 64>> Sign(ByteSpan message) = 0;
};

// LoadSoftwareAttestationKey reads a software attestation key from |path|: exactly 32 octets,
// the raw big-endian private scalar d (the format `iotsec ledger birth --generate` writes, mode
// 0600). The scalar is held in zeroizing memory and never logged. Fails with kNotFound when the
// file does not exist, kInvalidArgument when it is not exactly 32 octets or d is 0 or >= n,
// kUnavailable on another I/O error.
Result<std::unique_ptr<AttestationKey>> LoadSoftwareAttestationKey(const std::string& path);

// GenerateSoftwareAttestationKey returns a new random software attestation key (in memory only).
// Fails with kUnavailable if the random generator fails, kInternal if OpenSSL fails.
Result<std::unique_ptr<AttestationKey>> GenerateSoftwareAttestationKey();

// OpenTpmAttestationKey returns the attestation key kept in the TPM 2.0 reached through |tcti|
// (a TCTI configuration string for the tpm2-tss TCTI loader, e.g. "device:/dev/tpmrm0" or
// "swtpm:host=127.0.0.1,port=2321"). If |persistent_handle| holds no object, it creates a P-256
// signing key (attributes sign, fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth; not
// restricted) under a primary storage key of the owner hierarchy and makes it persistent at
// |persistent_handle|; otherwise it uses the key already there, after checking that it is such a
// key. The owner hierarchy and the key must have empty authorization values. The private key
// never leaves the TPM; Sign hashes outside the TPM and calls TPM2_Sign (ECDSA, SHA-256).
// Fails with kInvalidArgument when |tcti| is empty or |persistent_handle| is not an owner
// persistent handle (0x81000000..0x817FFFFF), kUnavailable when the TPM cannot be reached,
// kFailedPrecondition when the object at |persistent_handle| is not a suitable key, kInternal
// when the TPM fails otherwise (the message holds the decoded TPM response code).
Result<std::unique_ptr<AttestationKey>> OpenTpmAttestationKey(const std::string& tcti,
                                                              uint32_t persistent_handle);

}  // namespace iotsec::device

#endif  // IOTSEC_DEVICE_ATTESTATION_H_
