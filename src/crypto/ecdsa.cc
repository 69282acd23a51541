// Copyright iotsec authors.
#include "iotsec/crypto/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <string>
#include <utility>
#include <vector>

#include "openssl_util.h"
#include "p256.h"

namespace iotsec::crypto {

namespace {

using internal::BnPtr;
using internal::OpenSslFail;
using internal::PkeyCtxPtr;

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, internal::Deleter<ECDSA_SIG_free>>;

constexpr int kScalarLen = static_cast<int>(kP256ScalarSize);

Status CheckSignatureSize(ByteSpan sig64) {
  if (sig64.size() != kEcdsaP256SignatureSize) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "ECDSA P-256 signature must be 64 octets (r || s), got " + std::to_string(sig64.size()));
  }
  return Ok();
}

// RawToDer converts r || s (RFC 9053 §2.1: each integer as 32 big-endian octets) to the DER
// ECDSA-Sig-Value that OpenSSL takes (RFC 5480 §2.2 / SEC 1 C.8).
Result<std::vector<uint8_t>> RawToDer(ByteSpan sig64) {
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BnPtr r(BN_bin2bn(sig64.data(), kScalarLen, nullptr));
  BnPtr s(BN_bin2bn(sig64.data() + kP256ScalarSize, kScalarLen, nullptr));
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "building an ECDSA_SIG failed");
  }
  r.release();  // now owned by |sig|
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) {
    return OpenSslFail(ErrorCode::kInternal, "i2d_ECDSA_SIG failed");
  }
  std::vector<uint8_t> der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) {
    return OpenSslFail(ErrorCode::kInternal, "i2d_ECDSA_SIG failed");
  }
  return der;
}

// DerToRaw converts OpenSSL's DER signature to r || s.
Result<EcdsaP256Signature> DerToRaw(const std::vector<uint8_t>& der) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (sig == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "d2i_ECDSA_SIG failed");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  EcdsaP256Signature out;
  if (BN_bn2binpad(r, out.data(), kScalarLen) != kScalarLen ||
      BN_bn2binpad(s, out.data() + kP256ScalarSize, kScalarLen) != kScalarLen) {
    return OpenSslFail(ErrorCode::kInternal, "ECDSA r or s does not fit 32 octets");
  }
  return out;
}

}  // namespace

EcdsaP256PublicKey::EcdsaP256PublicKey(
    std::shared_ptr<evp_pkey_st> pkey,
    const std::array<uint8_t, kP256UncompressedSize>& uncompressed)
    : pkey_(std::move(pkey)), uncompressed_(uncompressed) {}

Result<EcdsaP256PublicKey> EcdsaP256PublicKey::FromUncompressed(ByteSpan sec1_65) {
  IOTSEC_TRY(key, internal::ParseP256Public(sec1_65));
  return EcdsaP256PublicKey(std::move(key.pkey), key.uncompressed);
}

Status EcdsaP256PublicKey::Verify(ByteSpan message, ByteSpan sig64) const {
  IOTSEC_RETURN_IF_ERROR(CheckSignatureSize(sig64));
  return VerifyDigest(Sha256(message), sig64);
}

Status EcdsaP256PublicKey::VerifyDigest(const Sha256Digest& digest, ByteSpan sig64) const {
  IOTSEC_RETURN_IF_ERROR(CheckSignatureSize(sig64));
  IOTSEC_TRY(der, RawToDer(sig64));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), internal::Sha256Md()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_verify_init(ECDSA) failed");
  }
  // FIPS 186-4 §6.4 / SEC 1 §4.1.4: OpenSSL rejects r or s outside [1, n-1] and checks the
  // equation; any outcome but 1 is a signature that does not verify.
  if (EVP_PKEY_verify(ctx.get(), der.data(), der.size(), digest.data(), digest.size()) != 1) {
    return OpenSslFail(ErrorCode::kUnauthenticated, "ECDSA P-256 signature does not verify");
  }
  return Ok();
}

EcdsaP256PrivateKey::EcdsaP256PrivateKey(std::shared_ptr<evp_pkey_st> pkey,
                                         EcdsaP256PublicKey public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::Generate() { return Generate(SystemRng()); }

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::Generate(Rng& rng) {
  IOTSEC_TRY(key, internal::P256Generate(rng));
  // The public half shares the key pair object; it is only used for verification.
  EcdsaP256PublicKey pub(key.pkey, key.uncompressed);
  return EcdsaP256PrivateKey(std::move(key.pkey), std::move(pub));
}

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::FromScalar(ByteSpan d32) {
  IOTSEC_TRY(key, internal::P256FromScalar(d32));
  EcdsaP256PublicKey pub(key.pkey, key.uncompressed);
  return EcdsaP256PrivateKey(std::move(key.pkey), std::move(pub));
}

Result<EcdsaP256Signature> EcdsaP256PrivateKey::Sign(ByteSpan message) const {
  return SignDigest(Sha256(message));
}

Result<EcdsaP256Signature> EcdsaP256PrivateKey::SignDigest(const Sha256Digest& digest) const {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), internal::Sha256Md()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_sign_init(ECDSA) failed");
  }
  size_t der_len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &der_len, digest.data(), digest.size()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_sign(ECDSA) size query failed");
  }
  std::vector<uint8_t> der(der_len);
  // FIPS 186-4 §6.4: OpenSSL draws the per-message secret k from its DRBG.
  if (EVP_PKEY_sign(ctx.get(), der.data(), &der_len, digest.data(), digest.size()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_sign(ECDSA) failed");
  }
  der.resize(der_len);
  return DerToRaw(der);
}

Result<SecretBytes> EcdsaP256PrivateKey::Scalar() const {
  return internal::P256ExportScalar(pkey_.get());
}

}  // namespace iotsec::crypto
