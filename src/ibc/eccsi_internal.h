// Copyright iotsec authors.
// ECCSI internals exposed to the tests of ibc/ only, so that they can check the intermediate
// values of RFC 6507 Appendix A against the code that the public functions run.
#ifndef IOTSEC_IBC_ECCSI_INTERNAL_H_
#define IOTSEC_IBC_ECCSI_INTERNAL_H_

#include "iotsec/common/bytes.h"
#include "iotsec/crypto/hash.h"

namespace iotsec::ibc::internal {

// EccsiHashHs returns HS = hash( G || KPAK || ID || PVT ) (RFC 6507 §5.1.1 step 3).
crypto::Sha256Digest EccsiHashHs(ByteSpan kpak, ByteSpan id, ByteSpan pvt);

// EccsiHashHe returns HE = hash( HS || r || M ) (RFC 6507 §5.2.1 step 3).
crypto::Sha256Digest EccsiHashHe(const crypto::Sha256Digest& hs, ByteSpan r, ByteSpan message);

}  // namespace iotsec::ibc::internal

#endif  // IOTSEC_IBC_ECCSI_INTERNAL_H_
