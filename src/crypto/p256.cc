// Copyright iotsec authors.
#include "p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <string>

#include "iotsec/crypto/ct.h"

namespace iotsec::crypto::internal {

namespace {

// The order n of the P-256 base point, big-endian (FIPS 186-4 D.1.2.3; SEC 2 §2.4.2).
constexpr std::array<uint8_t, kP256ScalarSize> kOrder = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// kMaxGenerateAttempts bounds rejection sampling. A uniform 256-bit candidate falls outside
// [1, n-1] with probability below 2^-32, so reaching the bound means the generator is broken.
constexpr int kMaxGenerateAttempts = 64;

const char kGroupName[] = SN_X9_62_prime256v1;

// Group returns the P-256 group, created once per process and only ever used read-only.
const EC_GROUP* Group() {
  static const EC_GROUP* const group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return group;
}

}  // namespace

uint32_t P256ScalarInRange(ByteSpan d) {
  if (d.size() != kP256ScalarSize) {
    return 0;  // the length is public
  }
  // No data-dependent branches or indexes: subtract n octet by octet and keep the borrow.
  uint32_t borrow = 0;
  uint32_t any = 0;
  for (size_t i = kP256ScalarSize; i-- > 0;) {
    const uint32_t diff = uint32_t{d[i]} - uint32_t{kOrder[i]} - borrow;
    borrow = (diff >> 8) & 1;  // 1 when the subtraction of this octet wrapped
    any |= d[i];
  }
  const uint32_t nonzero = (any + 0xff) >> 8;  // 1 when some octet was non-zero
  return borrow & nonzero;                     // d - n borrows exactly when d < n
}

namespace {

// InRangeDeclassified is P256ScalarInRange with its (public) answer marked defined for
// valgrind, so that branching on it is not reported as a secret-dependent branch.
bool InRangeDeclassified(ByteSpan d) {
  uint32_t ok = P256ScalarInRange(d);
  CtUnpoison(&ok, sizeof(ok));
  return ok == 1;
}

// EncodePoint writes |point| as 0x04 || x || y.
Status EncodePoint(const EC_POINT* point, std::array<uint8_t, kP256UncompressedSize>& out) {
  if (EC_POINT_point2oct(Group(), point, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != out.size()) {
    return OpenSslFail(ErrorCode::kInternal, "EC_POINT_point2oct(P-256) failed");
  }
  return Ok();
}

// KeyFromParams runs EVP_PKEY_fromdata for an EC key with |params| and |selection|.
Result<PkeyPtr> KeyFromParams(OSSL_PARAM* params, int selection) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_fromdata_init(EC) failed");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1 || raw == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_fromdata(P-256) failed");
  }
  return WrapPkey(raw);
}

// ParameterTemplate returns a P-256 key holding the domain parameters only, made once per
// process and only ever read (duplicated). Importing a public key through EVP_PKEY_fromdata
// builds the group anew from its name each time, about four times the cost of duplicating this
// template and setting the point.
const EVP_PKEY* ParameterTemplate() {
  static EVP_PKEY* const tmpl = [] {
    EVP_PKEY* out = nullptr;
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (ctx == nullptr || EVP_PKEY_paramgen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_group_name(ctx.get(), kGroupName) != 1 ||
        EVP_PKEY_paramgen(ctx.get(), &out) != 1) {
      EVP_PKEY_free(out);
      return static_cast<EVP_PKEY*>(nullptr);
    }
    return out;
  }();
  return tmpl;
}

}  // namespace

Result<P256Key> ParseP256Public(ByteSpan sec1) {
  if (sec1.size() != kP256UncompressedSize) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "P-256 public key must be 65 octets (uncompressed), got " + std::to_string(sec1.size()));
  }
  // SEC 1 v2 §2.3.4: only the uncompressed form 0x04 || x || y is accepted here (one canonical
  // encoding, STYLE.md rule 9).
  if (sec1[0] != 0x04) {
    return Fail(ErrorCode::kInvalidArgument, "P-256 public key must start with 0x04");
  }
  const EC_GROUP* group = Group();
  if (group == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EC_GROUP_new_by_curve_name(P-256) failed");
  }
  EcPointPtr point(EC_POINT_new(group));
  if (point == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EC_POINT_new failed");
  }
  // SP 800-56A §5.6.2.3.4 (partial public-key validation): the coordinates are in [0, p-1] and
  // the point satisfies the curve equation (EC_POINT_oct2point checks both); the point is not
  // the point at infinity. P-256 has cofactor 1, so every such point has order n.
  if (EC_POINT_oct2point(group, point.get(), sec1.data(), sec1.size(), nullptr) != 1) {
    return OpenSslFail(ErrorCode::kInvalidArgument, "P-256 public key is not a point on the curve");
  }
  if (EC_POINT_is_at_infinity(group, point.get()) == 1 ||
      EC_POINT_is_on_curve(group, point.get(), nullptr) != 1) {
    ClearOpenSslErrors();
    return Fail(ErrorCode::kInvalidArgument, "P-256 public key is not a point on the curve");
  }
  P256Key key;
  std::copy(sec1.begin(), sec1.end(), key.uncompressed.begin());
  const EVP_PKEY* tmpl = ParameterTemplate();
  if (tmpl == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "P-256 parameter generation failed");
  }
  EVP_PKEY* raw = EVP_PKEY_dup(const_cast<EVP_PKEY*>(tmpl));
  if (raw == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_dup(P-256 parameters) failed");
  }
  key.pkey = WrapPkey(raw);
  if (EVP_PKEY_set1_encoded_public_key(key.pkey.get(), key.uncompressed.data(),
                                       key.uncompressed.size()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_PKEY_set1_encoded_public_key(P-256) failed");
  }
  return key;
}

Result<P256Key> P256FromScalar(ByteSpan d32) {
  if (d32.size() != kP256ScalarSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "P-256 private scalar must be 32 octets, got " + std::to_string(d32.size()));
  }
  // FIPS 186-4 B.4: a private key is an integer in [1, n-1].
  if (!InRangeDeclassified(d32)) {
    return Fail(ErrorCode::kInvalidArgument, "P-256 private scalar must be in [1, n-1]");
  }
  const EC_GROUP* group = Group();
  if (group == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EC_GROUP_new_by_curve_name(P-256) failed");
  }
  SecretBnPtr d(BN_secure_new());
  BnCtxPtr bn_ctx(BN_CTX_secure_new());
  EcPointPtr pub(EC_POINT_new(group));
  if (d == nullptr || bn_ctx == nullptr || pub == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "allocating P-256 key material failed");
  }
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  if (BN_bin2bn(d32.data(), static_cast<int>(d32.size()), d.get()) == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "BN_bin2bn failed");
  }
  // Q = d * G (a fixed-base multiplication, constant time in OpenSSL).
  if (EC_POINT_mul(group, pub.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "computing the P-256 public key failed");
  }
  P256Key key;
  IOTSEC_RETURN_IF_ERROR(EncodePoint(pub.get(), key.uncompressed));

  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, key.uncompressed.data(),
                                       key.uncompressed.size()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "building P-256 key parameters failed");
  }
  // The private BIGNUM is in secure memory, so the parameter block that copies it is too and
  // is wiped when freed.
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "OSSL_PARAM_BLD_to_param failed");
  }
  IOTSEC_TRY(pkey, KeyFromParams(params.get(), EVP_PKEY_KEYPAIR));
  key.pkey = std::move(pkey);
  return key;
}

Result<P256Key> P256Generate(Rng& rng) {
  SecretBytes candidate(kP256ScalarSize);
  for (int attempt = 0; attempt < kMaxGenerateAttempts; ++attempt) {
    IOTSEC_RETURN_IF_ERROR(rng.Fill(candidate.mutable_span()));
    // FIPS 186-4 B.4.2: a candidate outside [1, n-1] is discarded and another one drawn.
    if (InRangeDeclassified(candidate)) {
      return P256FromScalar(candidate);
    }
  }
  return Fail(ErrorCode::kInternal,
              "random generator gave 64 P-256 scalars outside [1, n-1]; it is broken");
}

Result<SecretBytes> P256ExportScalar(EVP_PKEY* pkey) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1 || raw == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "reading the P-256 private scalar failed");
  }
  SecretBnPtr d(raw);
  SecretBytes out(kP256ScalarSize);
  if (BN_bn2binpad(d.get(), out.data(), static_cast<int>(out.size())) !=
      static_cast<int>(kP256ScalarSize)) {
    return OpenSslFail(ErrorCode::kInternal, "BN_bn2binpad(P-256 scalar) failed");
  }
  return out;
}

}  // namespace iotsec::crypto::internal
