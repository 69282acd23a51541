// Copyright iotsec authors.
// ECCSI: Elliptic Curve-based Certificateless Signatures for Identity-based encryption
// (RFC 6507), with NIST P-256 and SHA-256 as RFC 6507 §2.1 and its Appendix A use.
// Formats: doc/formats/ibc-keys.md.
//
// Error conventions: wrong lengths and malformed keys or parameters give kInvalidArgument; a
// signature of the right length that fails any check (r or s out of range, PVT not on the curve,
// the equation of RFC 6507 §5.2.2) gives kUnauthenticated with a message that says which check.
// Every operation on a secret (KSAK, SSK, v, j) runs in constant time.
#ifndef IOTSEC_IBC_ECCSI_H_
#define IOTSEC_IBC_ECCSI_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::ibc {

// RFC 6507 §2.1: N = 32 octets for P-256; points are 0x04 || x || y (RFC 6507 §3.2).
inline constexpr size_t kEccsiScalarSize = 32;
inline constexpr size_t kEccsiPointSize = 65;
// RFC 6507 §3.3: Signature = r || s || PVT.
inline constexpr size_t kEccsiSignatureSize = 129;

using EccsiPoint = std::array<uint8_t, kEccsiPointSize>;
using EccsiSignature = std::array<uint8_t, kEccsiSignatureSize>;

// EccsiGenerateKsak draws a KMS Secret Authentication Key uniformly from [1, q-1] (RFC 6507
// §4.2). Fails only if |rng| fails.
Result<crypto::SecretBytes> EccsiGenerateKsak(crypto::Rng& rng);

// EccsiKpakFromKsak returns KPAK = [KSAK]G (RFC 6507 §4.2). Fails with kInvalidArgument if
// |ksak| is not 32 octets or not in [1, q-1].
Result<EccsiPoint> EccsiKpakFromKsak(const crypto::SecretBytes& ksak);

// EccsiUserKey is what a KMS issues to an identity: the Secret Signing Key (32 octets) and the
// Public Validation Token (RFC 6507 §4.3).
struct EccsiUserKey {
  crypto::SecretBytes ssk;
  EccsiPoint pvt;
};

// EccsiIssue issues (SSK, PVT) for |id| (RFC 6507 §5.1.1): v random in [1, q-1] from |rng|,
// PVT = [v]G, HS = SHA-256(G || KPAK || ID || PVT), SSK = (KSAK + HS * v) mod q, retrying with a
// new v if SSK is 0 or HS is 0. Fails with kInvalidArgument on a malformed KSAK or KPAK, or if
// KPAK is not [KSAK]G.
Result<EccsiUserKey> EccsiIssue(const crypto::SecretBytes& ksak, ByteSpan kpak, ByteSpan id,
                                crypto::Rng& rng);

// EccsiValidateUserKey checks an issued key as its receiver must (RFC 6507 §5.1.2):
// [SSK]G = KPAK + [HS]PVT. Fails with kInvalidArgument on malformed inputs and
// kUnauthenticated if the key does not belong to |id| under |kpak|.
Status EccsiValidateUserKey(ByteSpan kpak, ByteSpan id, const crypto::SecretBytes& ssk,
                            ByteSpan pvt);

// EccsiSigner signs as one identity. It validates the key once (RFC 6507 §5.1.2) and caches HS.
class EccsiSigner {
 public:
  // Create validates (|ssk|, |pvt|) for |id| under |kpak|; fails as EccsiValidateUserKey.
  static Result<EccsiSigner> Create(ByteSpan kpak, ByteSpan id, const crypto::SecretBytes& ssk,
                                    ByteSpan pvt);
  EccsiSigner(EccsiSigner&&) noexcept;
  EccsiSigner& operator=(EccsiSigner&&) noexcept;
  ~EccsiSigner();

  // Sign returns r || s || PVT over |message| (RFC 6507 §5.2.1), with the ephemeral j drawn
  // from |rng| (tests inject j through a fake Rng). Fails only if |rng| fails.
  Result<EccsiSignature> Sign(ByteSpan message, crypto::Rng& rng) const;

  struct State;

 private:
  explicit EccsiSigner(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// EccsiVerify checks |signature| over |message| by |id| under |kpak| (RFC 6507 §5.2.2).
// kInvalidArgument: KPAK malformed or a wrong signature length; kUnauthenticated: invalid.
Status EccsiVerify(ByteSpan kpak, ByteSpan id, ByteSpan message, ByteSpan signature);

// EccsiVerifier verifies many signatures by one identity with one PVT: it caches the
// per-identity value [HS]PVT + KPAK (RFC 6507 §5.2.2 step 4), so each verification costs one
// double-scalar multiplication. A signature that carries another PVT is refused
// (kUnauthenticated); use EccsiVerify for those.
class EccsiVerifier {
 public:
  // Create validates |kpak| and |pvt| (points on P-256, not infinity) and precomputes.
  static Result<EccsiVerifier> Create(ByteSpan kpak, ByteSpan id, ByteSpan pvt);
  EccsiVerifier(EccsiVerifier&&) noexcept;
  EccsiVerifier& operator=(EccsiVerifier&&) noexcept;
  ~EccsiVerifier();

  // Verify checks |signature| over |message|; errors as EccsiVerify.
  Status Verify(ByteSpan message, ByteSpan signature) const;

  struct State;

 private:
  explicit EccsiVerifier(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace iotsec::ibc

#endif  // IOTSEC_IBC_ECCSI_H_
