// Copyright iotsec authors.
#include "iotsec/cose/keys.h"

#include <string>

#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/hmac.h"

namespace iotsec::cose {

Sign1Verifier Sign1Verifier::Es256(crypto::EcdsaP256PublicKey key) {
  return Sign1Verifier(Key(std::in_place_index<0>, std::move(key)));
}

Sign1Verifier Sign1Verifier::EdDsa(crypto::Ed25519PublicKey key) {
  return Sign1Verifier(Key(std::in_place_index<1>, std::move(key)));
}

Algorithm Sign1Verifier::algorithm() const {
  return key_.index() == 0 ? Algorithm::kEs256 : Algorithm::kEdDsa;
}

Status Sign1Verifier::Verify(ByteSpan to_be_signed, ByteSpan signature) const {
  // RFC 9053 §2.1: ES256 signs SHA-256(ToBeSigned) and carries r || s, 32 octets each.
  // RFC 9053 §2.2: EdDSA signs ToBeSigned itself (PureEdDSA).
  if (const auto* ec = std::get_if<0>(&key_)) {
    return ec->Verify(to_be_signed, signature);
  }
  return std::get<1>(key_).Verify(to_be_signed, signature);
}

Sign1Signer Sign1Signer::Es256(crypto::EcdsaP256PrivateKey key) {
  return Sign1Signer(Key(std::in_place_index<0>, std::move(key)));
}

Sign1Signer Sign1Signer::EdDsa(crypto::Ed25519PrivateKey key) {
  return Sign1Signer(Key(std::in_place_index<1>, std::move(key)));
}

Algorithm Sign1Signer::algorithm() const {
  return key_.index() == 0 ? Algorithm::kEs256 : Algorithm::kEdDsa;
}

Result<Bytes> Sign1Signer::Sign(ByteSpan to_be_signed) const {
  if (const auto* ec = std::get_if<0>(&key_)) {
    IOTSEC_TRY(sig, ec->Sign(to_be_signed));
    return Bytes(sig.begin(), sig.end());
  }
  IOTSEC_TRY(sig, std::get<1>(key_).Sign(to_be_signed));
  return Bytes(sig.begin(), sig.end());
}

Sign1Verifier Sign1Signer::Verifier() const {
  if (const auto* ec = std::get_if<0>(&key_)) {
    return Sign1Verifier::Es256(ec->PublicKey());
  }
  return Sign1Verifier::EdDsa(std::get<1>(key_).PublicKey());
}

Result<Encrypt0Key> Encrypt0Key::Create(Algorithm alg, crypto::SecretBytes key) {
  // RFC 9053 §4.1: A128GCM takes a 128-bit key, A256GCM a 256-bit key.
  size_t want;
  if (alg == Algorithm::kA128Gcm) {
    want = 16;
  } else if (alg == Algorithm::kA256Gcm) {
    want = 32;
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(AlgorithmName(alg)) + " is not a COSE_Encrypt0 algorithm");
  }
  if (key.size() != want) {
    return Fail(ErrorCode::kInvalidArgument, std::string(AlgorithmName(alg)) + " needs a " +
                                                 std::to_string(want) + "-octet key, got " +
                                                 std::to_string(key.size()));
  }
  return Encrypt0Key(alg, std::move(key));
}

Result<Mac0Key> Mac0Key::Create(Algorithm alg, crypto::SecretBytes key) {
  if (alg != Algorithm::kHmac256_64 && alg != Algorithm::kHmac256_256) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(AlgorithmName(alg)) + " is not a COSE_Mac0 algorithm");
  }
  if (key.size() != kKeySize) {
    return Fail(ErrorCode::kInvalidArgument, std::string(AlgorithmName(alg)) + " needs a " +
                                                 std::to_string(kKeySize) + "-octet key, got " +
                                                 std::to_string(key.size()));
  }
  return Mac0Key(alg, std::move(key));
}

size_t Mac0Key::tag_size() const {
  // RFC 9053 §3.1, Table 7: HMAC 256/64 keeps the leftmost 64 bits of the HMAC.
  return alg_ == Algorithm::kHmac256_64 ? 8 : 32;
}

Bytes Mac0Key::ComputeTag(ByteSpan to_be_maced) const {
  crypto::Sha256Digest mac = crypto::HmacSha256(key_.span(), to_be_maced);
  return Bytes(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(tag_size()));
}

Status Mac0Key::VerifyTag(ByteSpan to_be_maced, ByteSpan tag) const {
  if (tag.size() != tag_size()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(AlgorithmName(alg_)) + " tag must be " +
                                                 std::to_string(tag_size()) + " octets, got " +
                                                 std::to_string(tag.size()));
  }
  Bytes expected = ComputeTag(to_be_maced);
  bool equal = crypto::CtEqual(expected, tag);
  // Whether the tag matched is public (it decides acceptance); its octets are not.
  crypto::CtUnpoison(&equal, sizeof(equal));
  if (!equal) {
    return Fail(ErrorCode::kUnauthenticated, "COSE_Mac0 tag does not verify");
  }
  return Ok();
}

}  // namespace iotsec::cose
