// Copyright iotsec authors.
// SAKKE: Sakai-Kasahara Key Encryption (RFC 6508) with parameter set 1 of RFC 6509 (a 1024-bit
// prime p, n = 128-bit SSVs, SHA-256). Formats: doc/formats/ibc-keys.md.
//
// The identifier b of RFC 6508 is the identity's octets read as a big-endian integer; identities
// whose integer is 0 mod q, or that are longer than 128 octets, are refused (kInvalidArgument).
// Error conventions: wrong lengths and malformed keys or parameters give kInvalidArgument;
// encapsulated data of the right length that fails any check (R not on the curve, the final
// check of RFC 6508 §6.2.2) gives kUnauthenticated. Every operation on a secret (z, RSK, SSV, r)
// runs in constant time.
#ifndef IOTSEC_IBC_SAKKE_H_
#define IOTSEC_IBC_SAKKE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/crypto/random.h"
#include "iotsec/crypto/secret_bytes.h"

namespace iotsec::ibc {

// RFC 6508 §2.1 / RFC 6509 §3: points are 0x04 || x || y with 128-octet coordinates.
inline constexpr size_t kSakkePointSize = 257;
// RFC 6508 §4: Encapsulated Data = R_(b,S) || H, H being n = 128 bits.
inline constexpr size_t kSakkeSsvSize = 16;
inline constexpr size_t kSakkeEncapsulatedSize = kSakkePointSize + kSakkeSsvSize;
// The KMS master secret z is an integer below q, written in 128 octets.
inline constexpr size_t kSakkeScalarSize = 128;

using SakkePoint = std::array<uint8_t, kSakkePointSize>;
using SakkeEncapsulated = std::array<uint8_t, kSakkeEncapsulatedSize>;

// SakkeGenerateMasterSecret draws the KMS master secret z uniformly from [2, q-1]
// (RFC 6508 §2.2). Fails only if |rng| fails.
Result<crypto::SecretBytes> SakkeGenerateMasterSecret(crypto::Rng& rng);

// SakkeZFromMasterSecret returns the KMS public key Z = [z]P (RFC 6508 §2.2). kInvalidArgument
// if |z| is not 128 octets or not in [2, q-1].
Result<SakkePoint> SakkeZFromMasterSecret(const crypto::SecretBytes& z);

// SakkeIssueRsk returns the Receiver Secret Key K_(b,S) = [(b + z)^-1]P (RFC 6508 §6.1.1) as
// 257 octets. kInvalidArgument on a malformed z or identity, or if b + z = 0 mod q.
Result<crypto::SecretBytes> SakkeIssueRsk(const crypto::SecretBytes& z, ByteSpan id);

// SakkeValidateRsk checks an issued RSK as its receiver must (RFC 6508 §6.1.2):
// <[b]P + Z, K_(b,S)> = g. kInvalidArgument on malformed inputs; kUnauthenticated if the RSK
// does not belong to |id| under |z_pub|.
Status SakkeValidateRsk(ByteSpan z_pub, ByteSpan id, const crypto::SecretBytes& rsk);

// SakkeEncapsulation is a sender's result: the data to send and the shared secret value.
struct SakkeEncapsulation {
  SakkeEncapsulated data;
  crypto::SecretBytes ssv;  // kSakkeSsvSize octets
};

// SakkeEncapsulate sends a fresh SSV (drawn from |rng|; tests inject it) to |id| under
// |z_pub| (RFC 6508 §6.2.1). kInvalidArgument on a malformed Z or identity.
Result<SakkeEncapsulation> SakkeEncapsulate(ByteSpan z_pub, ByteSpan id, crypto::Rng& rng);

// SakkeDecapsulate recovers the SSV (RFC 6508 §6.2.2). kInvalidArgument on malformed inputs
// or a wrong length; kUnauthenticated if the encapsulated data does not authenticate.
Result<crypto::SecretBytes> SakkeDecapsulate(ByteSpan z_pub, ByteSpan id,
                                             const crypto::SecretBytes& rsk,
                                             ByteSpan encapsulated);

// SakkeSender encapsulates to one identity many times: it caches [b]P + Z.
class SakkeSender {
 public:
  // Create checks |z_pub| and |id| and precomputes; errors as SakkeEncapsulate.
  static Result<SakkeSender> Create(ByteSpan z_pub, ByteSpan id);
  SakkeSender(SakkeSender&&) noexcept;
  SakkeSender& operator=(SakkeSender&&) noexcept;
  ~SakkeSender();

  // Encapsulate is SakkeEncapsulate for the cached identity.
  Result<SakkeEncapsulation> Encapsulate(crypto::Rng& rng) const;

  struct State;

 private:
  explicit SakkeSender(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

// SakkeReceiver decapsulates for one identity many times: it validates the RSK once
// (RFC 6508 §6.1.2) and precomputes what depends only on it and on Z.
class SakkeReceiver {
 public:
  // Create validates |rsk| for |id| under |z_pub|; errors as SakkeValidateRsk.
  static Result<SakkeReceiver> Create(ByteSpan z_pub, ByteSpan id, const crypto::SecretBytes& rsk);
  SakkeReceiver(SakkeReceiver&&) noexcept;
  SakkeReceiver& operator=(SakkeReceiver&&) noexcept;
  ~SakkeReceiver();

  // Decapsulate is SakkeDecapsulate with the cached key.
  Result<crypto::SecretBytes> Decapsulate(ByteSpan encapsulated) const;

  struct State;

 private:
  explicit SakkeReceiver(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace iotsec::ibc

#endif  // IOTSEC_IBC_SAKKE_H_
