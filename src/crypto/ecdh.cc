// Copyright iotsec authors.
#include "iotsec/crypto/ecdh.h"

#include <openssl/evp.h>

#include <string>
#include <utility>

#include "iotsec/crypto/ct.h"
#include "openssl_util.h"
#include "p256.h"

namespace iotsec::crypto {

namespace {

using internal::OpenSslFail;
using internal::PkeyCtxPtr;

// Derive runs EVP_PKEY_derive of |own| with |peer| into exactly |size| octets. A failure of the
// derivation itself is reported with |derive_failure_code|.
Result<SecretBytes> Derive(EVP_PKEY* own, EVP_PKEY* peer, size_t size,
                           ErrorCode derive_failure_code, const char* derive_failure) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_derive_init failed");
  }
  // The peer key was validated when it was parsed; OpenSSL need not check it again.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, /*validate_peer=*/0) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_derive_set_peer_ex failed");
  }
  SecretBytes secret(size);
  size_t len = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return OpenSslFail(derive_failure_code, derive_failure);
  }
  if (len != size) {
    return Fail(ErrorCode::kInternal, "key agreement gave an unexpected length");
  }
  return secret;
}

}  // namespace

// --- X25519 ---------------------------------------------------------------------------------

X25519PrivateKey::X25519PrivateKey(std::shared_ptr<evp_pkey_st> pkey,
                                   const std::array<uint8_t, kX25519KeySize>& public_key)
    : pkey_(std::move(pkey)), public_key_(public_key) {}

Result<X25519PrivateKey> X25519PrivateKey::Generate() { return Generate(SystemRng()); }

Result<X25519PrivateKey> X25519PrivateKey::Generate(Rng& rng) {
  // RFC 7748 §6.1: the private key is 32 random octets.
  SecretBytes k(kX25519KeySize);
  IOTSEC_RETURN_IF_ERROR(rng.Fill(k.mutable_span()));
  return FromBytes(k);
}

Result<X25519PrivateKey> X25519PrivateKey::FromBytes(ByteSpan private32) {
  if (private32.size() != kX25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "X25519 private key must be 32 octets, got " + std::to_string(private32.size()));
  }
  internal::PkeyPtr pkey = internal::WrapPkey(EVP_PKEY_new_raw_private_key_ex(
      nullptr, "X25519", nullptr, private32.data(), private32.size()));
  if (pkey == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_new_raw_private_key_ex(X25519) failed");
  }
  // RFC 7748 §6.1: the public key is X25519(k, 9) (computed by OpenSSL on import).
  std::array<uint8_t, kX25519KeySize> pub;
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &len) != 1 || len != pub.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_get_raw_public_key(X25519) failed");
  }
  return X25519PrivateKey(std::move(pkey), pub);
}

Result<SecretBytes> X25519PrivateKey::Agree(ByteSpan peer32) const {
  if (peer32.size() != kX25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "X25519 public key must be 32 octets, got " + std::to_string(peer32.size()));
  }
  // RFC 7748 §5: every 32-octet string is accepted as a u-coordinate (the top bit is masked).
  internal::PkeyPtr peer = internal::WrapPkey(
      EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, peer32.data(), peer32.size()));
  if (peer == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_new_raw_public_key_ex(X25519) failed");
  }
  // RFC 7748 §6.1: "check whether the resulting value is all zero and abort if so". OpenSSL
  // performs that check (in constant time) and fails the derivation; with caller-provided
  // buffers that is its only failure, hence kInvalidArgument.
  IOTSEC_TRY(secret, Derive(pkey_.get(), peer.get(), kX25519KeySize, ErrorCode::kInvalidArgument,
                            "X25519 shared secret is all zero (the peer key is a low-order "
                            "point, RFC 7748 §6.1)"));
  // Checked again here so that the guarantee does not depend on the OpenSSL version.
  static const std::array<uint8_t, kX25519KeySize> kZero{};
  bool all_zero = CtEqual(secret, kZero);
  CtUnpoison(&all_zero, sizeof(all_zero));  // whether it is zero is public (it is refused)
  if (all_zero) {
    return Fail(ErrorCode::kInvalidArgument,
                "X25519 shared secret is all zero (the peer key is a low-order point, "
                "RFC 7748 §6.1)");
  }
  return secret;
}

Result<SecretBytes> X25519PrivateKey::PrivateBytes() const {
  SecretBytes k(kX25519KeySize);
  size_t len = k.size();
  if (EVP_PKEY_get_raw_private_key(pkey_.get(), k.data(), &len) != 1 || len != k.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_get_raw_private_key(X25519) failed");
  }
  return k;
}

// --- P-256 ECDH -----------------------------------------------------------------------------

EcdhP256PrivateKey::EcdhP256PrivateKey(std::shared_ptr<evp_pkey_st> pkey,
                                       const std::array<uint8_t, kP256UncompressedSize>& public_key)
    : pkey_(std::move(pkey)), public_key_(public_key) {}

Result<EcdhP256PrivateKey> EcdhP256PrivateKey::Generate() { return Generate(SystemRng()); }

Result<EcdhP256PrivateKey> EcdhP256PrivateKey::Generate(Rng& rng) {
  IOTSEC_TRY(key, internal::P256Generate(rng));
  return EcdhP256PrivateKey(std::move(key.pkey), key.uncompressed);
}

Result<EcdhP256PrivateKey> EcdhP256PrivateKey::FromScalar(ByteSpan d32) {
  IOTSEC_TRY(key, internal::P256FromScalar(d32));
  return EcdhP256PrivateKey(std::move(key.pkey), key.uncompressed);
}

Result<SecretBytes> EcdhP256PrivateKey::Agree(ByteSpan peer_uncompressed65) const {
  // SP 800-56A §5.6.2.3.4: validate the peer's point before using it (rejects invalid-curve
  // and off-curve points; P-256 has cofactor 1).
  IOTSEC_TRY(peer, internal::ParseP256Public(peer_uncompressed65));
  // SP 800-56A §5.7.1.2: Z is the x-coordinate of d * Q, as 32 octets (RFC 5903 §9).
  return Derive(pkey_.get(), peer.pkey.get(), kP256ScalarSize, ErrorCode::kInternal,
                "P-256 ECDH derivation failed");
}

Result<SecretBytes> EcdhP256PrivateKey::Scalar() const {
  return internal::P256ExportScalar(pkey_.get());
}

}  // namespace iotsec::crypto
