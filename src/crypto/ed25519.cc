// Copyright iotsec authors.
#include "iotsec/crypto/ed25519.h"

#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <utility>

#include "iotsec/common/file.h"
#include "iotsec/crypto/secret_bytes.h"
#include "openssl_util.h"

namespace iotsec::crypto {

namespace {

using internal::MdCtxPtr;
using internal::OpenSslFail;

// Ptr returns a non-null pointer for |b| (OpenSSL may reject nullptr even with length 0).
const uint8_t* Ptr(ByteSpan b) {
  static const uint8_t kEmpty = 0;
  return b.empty() ? &kEmpty : b.data();
}

Result<std::array<uint8_t, kEd25519KeySize>> RawPublic(EVP_PKEY* pkey) {
  std::array<uint8_t, kEd25519KeySize> raw;
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_get_raw_public_key(ED25519) failed");
  }
  return raw;
}

}  // namespace

Ed25519PublicKey::Ed25519PublicKey(std::shared_ptr<evp_pkey_st> pkey,
                                   const std::array<uint8_t, kEd25519KeySize>& raw)
    : pkey_(std::move(pkey)), raw_(raw) {}

Result<Ed25519PublicKey> Ed25519PublicKey::FromBytes(ByteSpan public32) {
  if (public32.size() != kEd25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "Ed25519 public key must be 32 octets, got " + std::to_string(public32.size()));
  }
  internal::PkeyPtr pkey = internal::WrapPkey(EVP_PKEY_new_raw_public_key_ex(
      nullptr, "ED25519", nullptr, public32.data(), public32.size()));
  if (pkey == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_new_raw_public_key_ex(ED25519) failed");
  }
  std::array<uint8_t, kEd25519KeySize> raw;
  std::copy(public32.begin(), public32.end(), raw.begin());
  return Ed25519PublicKey(std::move(pkey), raw);
}

Status Ed25519PublicKey::Verify(ByteSpan message, ByteSpan sig64) const {
  if (sig64.size() != kEd25519SignatureSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "Ed25519 signature must be 64 octets, got " + std::to_string(sig64.size()));
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                                pkey_.get(), nullptr) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_DigestVerifyInit_ex(ED25519) failed");
  }
  // RFC 8032 §5.1.7: OpenSSL decodes R and A, rejects S >= L, and checks
  // [S]B = R + [k]A; any outcome but 1 is a signature that does not verify.
  if (EVP_DigestVerify(ctx.get(), sig64.data(), sig64.size(), Ptr(message), message.size()) != 1) {
    return OpenSslFail(ErrorCode::kUnauthenticated, "Ed25519 signature does not verify");
  }
  return Ok();
}

Ed25519PrivateKey::Ed25519PrivateKey(std::shared_ptr<evp_pkey_st> pkey, Ed25519PublicKey public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate() { return Generate(SystemRng()); }

Result<Ed25519PrivateKey> Ed25519PrivateKey::Generate(Rng& rng) {
  // RFC 8032 §5.1.5: the private key is 32 octets of cryptographically secure random data.
  SecretBytes seed(kEd25519KeySize);
  IOTSEC_RETURN_IF_ERROR(rng.Fill(seed.mutable_span()));
  return FromSeed(seed);
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeedFile(const std::string& path) {
  SecretBytes seed;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, seed, kEd25519KeySize));  // larger: an error
  if (seed.size() != kEd25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument, path + ": want a 32-octet Ed25519 seed, got " +
                                                 std::to_string(seed.size()) + " octets");
  }
  return FromSeed(ByteSpan(seed.data(), seed.size()));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(ByteSpan seed32) {
  if (seed32.size() != kEd25519KeySize) {
    return Fail(ErrorCode::kInvalidArgument,
                "Ed25519 seed must be 32 octets, got " + std::to_string(seed32.size()));
  }
  // RFC 8032 §5.1.5: OpenSSL hashes the seed, prunes the scalar and computes A = [s]B.
  internal::PkeyPtr pkey = internal::WrapPkey(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed32.data(), seed32.size()));
  if (pkey == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_new_raw_private_key_ex(ED25519) failed");
  }
  IOTSEC_TRY(raw, RawPublic(pkey.get()));
  Ed25519PublicKey pub(pkey, raw);
  return Ed25519PrivateKey(std::move(pkey), std::move(pub));
}

Result<Ed25519Signature> Ed25519PrivateKey::Sign(ByteSpan message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                              pkey_.get(), nullptr) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_DigestSignInit_ex(ED25519) failed");
  }
  Ed25519Signature sig;
  size_t sig_len = sig.size();
  // RFC 8032 §5.1.6 (deterministic: no randomness is used).
  if (EVP_DigestSign(ctx.get(), sig.data(), &sig_len, Ptr(message), message.size()) != 1 ||
      sig_len != sig.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_DigestSign(ED25519) failed");
  }
  return sig;
}

Result<SecretBytes> Ed25519PrivateKey::Seed() const {
  SecretBytes seed(kEd25519KeySize);
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey_.get(), seed.data(), &len) != 1 || len != seed.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_get_raw_private_key(ED25519) failed");
  }
  return seed;
}

}  // namespace iotsec::crypto
