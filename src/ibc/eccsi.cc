// Copyright iotsec authors.
// ECCSI (RFC 6507) over NIST P-256 with SHA-256.
//
// Secrets (KSAK, SSK, v, j) only ever meet the constant-time code of p256.h and mp.h. Three kinds
// of values derived from them are declassified (crypto::CtUnpoison, for the valgrind check of
// eccsi_ct_test.cc), each at the place it happens and with the reason:
//   - accept/reject bits of rejection sampling and of "is zero" retry checks;
//   - public outputs (KPAK, PVT, r, s, and [SSK]G while validating a key);
//   - products of a secret with a fresh secret random blinding factor, which are uniformly
//     distributed and independent of the secret, before a fast variable-time inversion.
// Verification handles public data only: the general case uses OpenSSL's EC_POINTs_mul, and
// EccsiVerifier uses precomputed comb tables for G and for Y = [HS]PVT + KPAK.
#include "iotsec/ibc/eccsi.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "eccsi_internal.h"
#include "iotsec/crypto/ct.h"
#include "iotsec/crypto/hash.h"
#include "p256.h"

namespace iotsec::ibc {
namespace {

using p256::Affine;
using p256::Fe;
using p256::Point;
using p256::Scalar;

// A retry loop that draws fresh randomness ends after this many rounds: each round fails with
// probability below 2^-32 for a working generator, so reaching it means the generator is broken.
constexpr int kMaxDraws = 64;

Unexpected OpensslError(std::string what) {
  char buf[256] = {0};
  unsigned long e = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  if (e != 0) {
    ERR_error_string_n(e, buf, sizeof(buf));
    what += ": ";
    what += buf;
  }
  ERR_clear_error();
  return Fail(ErrorCode::kInternal, std::move(what));
}

// Declassify marks a value as public for valgrind (see the file comment for when that is done).
template <typename T>
void Declassify(const T& v) {
  crypto::CtUnpoison(&v, sizeof(v));
}

// Wiped holds a secret value on the stack and overwrites it when it goes out of scope, on every
// path out of the function.
template <typename T>
struct Wiped {
  T v{};
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { crypto::SecureZero(&v, sizeof(v)); }
};

const EccsiPoint& EncodedG() {
  static const EccsiPoint g = [] {
    EccsiPoint out;
    p256::EncodeAffine(out, p256::Generator());
    return out;
  }();
  return g;
}

// ParseSecretScalar reads a 32-octet secret in [1, q-1]: a KSAK (RFC 6507 §4.2) or an SSK, which
// §5.1.1 never issues as 0. The length is public; the range check is constant time and only its
// result is declassified.
Status ParseSecretScalar(Scalar& out, const crypto::SecretBytes& in, const char* what) {
  if (in.size() != kEccsiScalarSize) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " must be " + std::to_string(kEccsiScalarSize) + " octets");
  }
  out = p256::ScalarFromBytes(std::span<const uint8_t, 32>(in.data(), 32));
  mp::Limb ok = p256::ScalarInRangeBit(out);
  Declassify(ok);  // whether the key is well formed, nothing more
  if (ok == 0) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must be in [1, q-1]");
  }
  return Ok();
}

// DrawScalar draws a uniform scalar in [1, q-1] by rejection sampling (RFC 6507 §4.2 and
// §5.1.1 step 1, §5.2.1 step 1).
Status DrawScalar(Scalar& out, crypto::Rng& rng) {
  for (int i = 0; i < kMaxDraws; ++i) {
    Wiped<std::array<uint8_t, 32>> buf;
    IOTSEC_RETURN_IF_ERROR(rng.Fill(buf.v));
    out = p256::ScalarFromBytes(buf.v);
    mp::Limb ok = p256::ScalarInRangeBit(out);
    Declassify(ok);  // rejection sampling: only the accept bit is revealed
    if (ok == 1) {
      return Ok();
    }
  }
  return Fail(ErrorCode::kUnavailable, "the random generator keeps returning values out of range");
}

// PublicBaseMul returns the encoding of [k]G for a secret k whose multiple is public (KPAK, PVT,
// [SSK]G); constant time up to the declassification of the result.
EccsiPoint PublicBaseMul(const Scalar& k) {
  Wiped<Point> p;
  p256::BaseMul(p.v, k);
  Affine a;
  p256::ToAffine(a, p.v);  // k != 0 mod q here, so never infinity
  EccsiPoint out;
  p256::EncodeAffine(out, a);
  Declassify(out);  // a public key (or, for a wrong key, a point that reveals no more)
  return out;
}

Status DecodePoint(Affine& out, ByteSpan in, const char* what, ErrorCode code) {
  if (!p256::DecodeAffine(out, in)) {
    return Fail(code, std::string(what) +
                          " is not an uncompressed P-256 point (0x04 || x || y) on the curve");
  }
  return Ok();
}

// HashHs computes HS = hash( G || KPAK || ID || PVT ) (RFC 6507 §5.1.1 step 3, §5.2.2 step 2).
crypto::Sha256Digest HashHs(ByteSpan kpak, ByteSpan id, ByteSpan pvt) {
  crypto::Sha256Hasher h;
  h.Update(EncodedG());
  h.Update(kpak);
  h.Update(id);
  h.Update(pvt);
  return h.Final();
}

// HashHe computes HE = hash( HS || r || M ) (RFC 6507 §5.2.1 step 3, §5.2.2 step 3).
crypto::Sha256Digest HashHe(const crypto::Sha256Digest& hs, ByteSpan r, ByteSpan message) {
  crypto::Sha256Hasher h;
  h.Update(hs);
  h.Update(r);
  h.Update(message);
  return h.Final();
}

// DigestScalar reads a digest as an integer reduced mod q.
Scalar DigestScalar(const crypto::Sha256Digest& d) {
  return p256::ScalarReduceOnce(p256::ScalarFromBytes(d));
}

// MulModQ returns a * b mod q for plain integers below q.
Scalar MulModQ(const Scalar& a, const Scalar& b) {
  const mp::Field<4>& f = p256::ScalarField();
  Scalar am, bm, r;
  f.ToMont(am, a);
  f.ToMont(bm, b);
  f.Mul(r, am, bm);
  f.FromMont(r, r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// OpenSSL, for the verification of public data.

struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, PointFree>;

// P256Group returns OpenSSL's P-256 group, created once and shared read-only (or nullptr if
// OpenSSL cannot create it).
const EC_GROUP* P256Group() {
  static const EC_GROUP* const group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return group;
}

Result<EcPointPtr> ToEcPoint(const EC_GROUP* group, ByteSpan encoded, BN_CTX* ctx) {
  EcPointPtr p(EC_POINT_new(group));
  if (!p || EC_POINT_oct2point(group, p.get(), encoded.data(), encoded.size(), ctx) != 1) {
    return OpensslError("EC_POINT_oct2point");
  }
  return p;
}

// MultiMul sets r = [g_scalar]G + [scalars[0]]points[0] + [scalars[1]]points[1] with one
// interleaved multi-scalar multiplication. EC_POINTs_mul is deprecated in OpenSSL 3.0 without a
// replacement for more than one point besides G; it remains in every 3.x release, and two
// separate multiplications would cost about half as much again.
int MultiMul(const EC_GROUP* group, EC_POINT* r, const BIGNUM* g_scalar,
             const EC_POINT* const points[2], const BIGNUM* const scalars[2], BN_CTX* ctx) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return EC_POINTs_mul(group, r, g_scalar, 2, const_cast<const EC_POINT**>(points),
                       const_cast<const BIGNUM**>(scalars), ctx);
#pragma GCC diagnostic pop
}

Status ScalarToBn(BIGNUM* bn, const Scalar& k) {
  std::array<uint8_t, 32> buf;
  p256::ScalarToBytes(buf, k);
  if (BN_bin2bn(buf.data(), static_cast<int>(buf.size()), bn) == nullptr) {
    return OpensslError("BN_bin2bn");
  }
  return Ok();
}

// ComputeY returns Y = [HS]PVT + KPAK (RFC 6507 §5.1.2 step 3 and §5.2.2 step 4), or
// kUnauthenticated if Y is the point at infinity.
Result<EccsiPoint> ComputeY(ByteSpan kpak, ByteSpan pvt, const Scalar& hs) {
  const EC_GROUP* group = P256Group();
  BnCtxPtr ctx(BN_CTX_new());
  if (group == nullptr || !ctx) {
    return OpensslError("P-256 group");
  }
  IOTSEC_TRY(kpak_pt, ToEcPoint(group, kpak, ctx.get()));
  IOTSEC_TRY(pvt_pt, ToEcPoint(group, pvt, ctx.get()));
  EcPointPtr y(EC_POINT_new(group));
  BN_CTX_start(ctx.get());
  Status st = [&]() -> Status {
    BIGNUM* hs_bn = BN_CTX_get(ctx.get());
    if (hs_bn == nullptr || !y) {
      return OpensslError("BN_CTX_get");
    }
    IOTSEC_RETURN_IF_ERROR(ScalarToBn(hs_bn, hs));
    if (EC_POINT_mul(group, y.get(), nullptr, pvt_pt.get(), hs_bn, ctx.get()) != 1 ||
        EC_POINT_add(group, y.get(), y.get(), kpak_pt.get(), ctx.get()) != 1) {
      return OpensslError("EC_POINT_mul");
    }
    return Ok();
  }();
  BN_CTX_end(ctx.get());
  IOTSEC_RETURN_IF_ERROR(st);
  if (EC_POINT_is_at_infinity(group, y.get()) == 1) {
    return Fail(ErrorCode::kUnauthenticated, "[HS]PVT + KPAK is the point at infinity");
  }
  EccsiPoint out;
  if (EC_POINT_point2oct(group, y.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         ctx.get()) != out.size()) {
    return OpensslError("EC_POINT_point2oct");
  }
  return out;
}

// SignatureParts splits r || s || PVT (RFC 6507 §3.3) and checks r and s are in [1, q-1].
struct SignatureParts {
  Scalar r, s;
  ByteSpan r_bytes, pvt;
};

Result<SignatureParts> SplitSignature(ByteSpan signature) {
  if (signature.size() != kEccsiSignatureSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "an ECCSI signature is " + std::to_string(kEccsiSignatureSize) + " octets, not " +
                    std::to_string(signature.size()));
  }
  SignatureParts p;
  p.r_bytes = signature.subspan(0, kEccsiScalarSize);
  p.r = p256::ScalarFromBytes(std::span<const uint8_t, 32>(signature.data(), 32));
  p.s = p256::ScalarFromBytes(std::span<const uint8_t, 32>(signature.data() + 32, 32));
  p.pvt = signature.subspan(2 * kEccsiScalarSize, kEccsiPointSize);
  if (p256::ScalarInRangeBit(p.r) == 0) {
    return Fail(ErrorCode::kUnauthenticated, "signature r is not in [1, q-1]");
  }
  if (p256::ScalarInRangeBit(p.s) == 0) {
    return Fail(ErrorCode::kUnauthenticated, "signature s is not in [1, q-1]");
  }
  return p;
}

}  // namespace

namespace internal {

crypto::Sha256Digest EccsiHashHs(ByteSpan kpak, ByteSpan id, ByteSpan pvt) {
  return HashHs(kpak, id, pvt);
}

crypto::Sha256Digest EccsiHashHe(const crypto::Sha256Digest& hs, ByteSpan r, ByteSpan message) {
  return HashHe(hs, r, message);
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// KMS operations.

Result<crypto::SecretBytes> EccsiGenerateKsak(crypto::Rng& rng) {
  // RFC 6507 §4.2: the KSAK is a random secret non-zero element of F_q.
  Wiped<Scalar> k;
  IOTSEC_RETURN_IF_ERROR(DrawScalar(k.v, rng));
  crypto::SecretBytes out(kEccsiScalarSize);
  p256::ScalarToBytes(std::span<uint8_t, 32>(out.data(), 32), k.v);
  return out;
}

Result<EccsiPoint> EccsiKpakFromKsak(const crypto::SecretBytes& ksak) {
  Wiped<Scalar> k;
  IOTSEC_RETURN_IF_ERROR(ParseSecretScalar(k.v, ksak, "KSAK"));
  return PublicBaseMul(k.v);  // RFC 6507 §4.2: KPAK = [KSAK]G
}

Result<EccsiUserKey> EccsiIssue(const crypto::SecretBytes& ksak, ByteSpan kpak, ByteSpan id,
                                crypto::Rng& rng) {
  Affine kpak_pt;
  IOTSEC_RETURN_IF_ERROR(DecodePoint(kpak_pt, kpak, "KPAK", ErrorCode::kInvalidArgument));
  Wiped<Scalar> k, ksak_m, v, v_m, ssk;
  IOTSEC_RETURN_IF_ERROR(ParseSecretScalar(k.v, ksak, "KSAK"));
  if (EccsiPoint mine = PublicBaseMul(k.v);
      std::memcmp(mine.data(), kpak.data(), mine.size()) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "KPAK is not [KSAK]G for this KSAK");
  }
  const mp::Field<4>& f = p256::ScalarField();
  f.ToMont(ksak_m.v, k.v);
  for (int i = 0; i < kMaxDraws; ++i) {
    // RFC 6507 §5.1.1 step 1: a random non-zero v in F_q; step 2: PVT = [v]G.
    IOTSEC_RETURN_IF_ERROR(DrawScalar(v.v, rng));
    EccsiUserKey key;
    key.pvt = PublicBaseMul(v.v);
    // Step 3: HS = hash( G || KPAK || ID || PVT ).
    const Scalar hs = DigestScalar(HashHs(kpak, id, key.pvt));
    if (mp::IsZeroBit(hs) == 1) {  // public; retry as the header promises
      continue;
    }
    // Step 4: SSK = ( KSAK + HS * v ) modulo q.
    Scalar hs_m;
    f.ToMont(hs_m, hs);
    f.ToMont(v_m.v, v.v);
    f.Mul(ssk.v, hs_m, v_m.v);
    f.Add(ssk.v, ssk.v, ksak_m.v);
    f.FromMont(ssk.v, ssk.v);
    // Step 5: if SSK = 0, choose another v.
    mp::Limb zero = mp::IsZeroBit(ssk.v);
    Declassify(zero);  // retry decision only
    if (zero == 1) {
      continue;
    }
    key.ssk = crypto::SecretBytes(kEccsiScalarSize);
    p256::ScalarToBytes(std::span<uint8_t, 32>(key.ssk.data(), 32), ssk.v);
    return key;
  }
  return Fail(ErrorCode::kUnavailable, "could not issue a key: the random generator is broken");
}

Status EccsiValidateUserKey(ByteSpan kpak, ByteSpan id, const crypto::SecretBytes& ssk,
                            ByteSpan pvt) {
  Affine tmp;
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, kpak, "KPAK", ErrorCode::kInvalidArgument));
  // RFC 6507 §5.1.2 step 1: PVT must lie on the curve.
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, pvt, "PVT", ErrorCode::kInvalidArgument));
  Wiped<Scalar> k;
  IOTSEC_RETURN_IF_ERROR(ParseSecretScalar(k.v, ssk, "SSK"));
  // Step 2: HS = hash( G || KPAK || ID || PVT ).
  const Scalar hs = DigestScalar(HashHs(kpak, id, pvt));
  // Step 3: [SSK]G = KPAK + [HS]PVT.
  const EccsiPoint lhs = PublicBaseMul(k.v);
  Result<EccsiPoint> rhs = ComputeY(kpak, pvt, hs);
  if (!rhs) {
    return Unexpected(rhs.error());
  }
  if (std::memcmp(lhs.data(), rhs->data(), lhs.size()) != 0) {
    return Fail(ErrorCode::kUnauthenticated,
                "[SSK]G != KPAK + [HS]PVT: the key was not issued to this identity by this KMS");
  }
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// Signing.

struct EccsiSigner::State {
  Scalar ssk_mont;  // SSK in Montgomery form modulo q (secret)
  Scalar ssk;       // SSK as an integer, for the blinding derivation (secret)
  crypto::Sha256Digest hs;
  EccsiPoint pvt;
  ~State() {
    crypto::SecureZero(&ssk_mont, sizeof(ssk_mont));
    crypto::SecureZero(&ssk, sizeof(ssk));
  }
};

EccsiSigner::EccsiSigner(std::unique_ptr<State> s) : state_(std::move(s)) {}
EccsiSigner::EccsiSigner(EccsiSigner&&) noexcept = default;
EccsiSigner& EccsiSigner::operator=(EccsiSigner&&) noexcept = default;
EccsiSigner::~EccsiSigner() = default;

Result<EccsiSigner> EccsiSigner::Create(ByteSpan kpak, ByteSpan id, const crypto::SecretBytes& ssk,
                                        ByteSpan pvt) {
  IOTSEC_RETURN_IF_ERROR(EccsiValidateUserKey(kpak, id, ssk, pvt));
  auto state = std::make_unique<State>();
  IOTSEC_RETURN_IF_ERROR(ParseSecretScalar(state->ssk, ssk, "SSK"));
  p256::ScalarField().ToMont(state->ssk_mont, state->ssk);
  state->hs = HashHs(kpak, id, pvt);
  std::memcpy(state->pvt.data(), pvt.data(), kEccsiPointSize);
  return EccsiSigner(std::move(state));
}

namespace {

// BlindingFactor derives a secret factor in [1, m-1] from the fresh secret j and the SSK:
// SHA-256(label || j || SSK) reduced once modulo m (m is p or q, both above 2^255) and mapped
// 0 -> 1. It is as unpredictable as j, and independent of every public value, so a product
// x * b mod m is uniformly distributed whatever the secret x.
mp::Num<4> BlindingFactor(const char* label, const Scalar& j, const Scalar& ssk,
                          const mp::Num<4>& m) {
  Wiped<std::array<uint8_t, 64>> in;
  Wiped<crypto::Sha256Digest> d;
  Wiped<mp::Num<4>> reduced;
  p256::ScalarToBytes(std::span<uint8_t, 32>(in.v.data(), 32), j);
  p256::ScalarToBytes(std::span<uint8_t, 32>(in.v.data() + 32, 32), ssk);
  crypto::Sha256Hasher h;
  h.Update(AsBytes(label));
  h.Update(in.v);
  d.v = h.Final();
  mp::Num<4> x = p256::ScalarFromBytes(d.v);
  const mp::Limb borrow = mp::SubRaw(reduced.v, x, m);
  mp::Select(x, mp::MaskFromBit(borrow), x, reduced.v);
  x.w[0] |= mp::IsZeroBit(x);
  return x;
}

}  // namespace

Result<EccsiSignature> EccsiSigner::Sign(ByteSpan message, crypto::Rng& rng) const {
  const mp::Field<4>& f = p256::ScalarField();
  // The secrets of one signature, wiped on every way out.
  struct Secrets {
    Scalar j, j_m, t, bq, bq_m;
    Point jp;
    Fe bp, zinv;
  };
  Wiped<Secrets> sec;
  Secrets& z = sec.v;
  for (int attempt = 0; attempt < kMaxDraws; ++attempt) {
    // RFC 6507 §5.2.1 step 1: a random non-zero ephemeral j in F_q.
    IOTSEC_RETURN_IF_ERROR(DrawScalar(z.j, rng));
    // Step 2: J = [j]G, r = Jx. Jx = X / Z with Z inverted through blinding: W = Z * b is
    // uniformly distributed for the secret random b, so it is declassified and inverted with
    // the fast variable-time routine; then Z^-1 = b * W^-1.
    p256::BaseMul(z.jp, z.j);
    z.bp = BlindingFactor("iotsec ECCSI blind p", z.j, state_->ssk, p256::kP);
    p256::FeToMont(z.bp, z.bp);
    Fe w, x;
    p256::FeMul(w, z.jp.z, z.bp);
    p256::FeFromMont(w, w);
    Declassify(w);                                    // blinded: Z * b, uniformly distributed
    if (!p256::ModInvVartime(z.zinv, w, p256::kP)) {  // w != 0 since Z != 0 and b != 0
      return Fail(ErrorCode::kInternal, "ECCSI sign: inversion failed");
    }
    p256::FeToMont(z.zinv, z.zinv);
    p256::FeMul(z.zinv, z.zinv, z.bp);
    p256::FeMul(x, z.jp.x, z.zinv);
    p256::FeFromMont(x, x);
    Declassify(x);  // r = Jx is part of the signature
    // RFC 6507 §5.2.2 step 6 compares Jx with r; we also require r in [1, q-1] (as verifiers
    // here do), which excludes Jx >= q: probability about 2^-128, handled by a new j.
    if (p256::ScalarInRangeBit(x) == 0) {
      continue;
    }
    EccsiSignature sig;
    p256::ScalarToBytes(std::span<uint8_t, 32>(sig.data(), 32), x);
    // Step 3: HE = hash( HS || r || M ).
    const Scalar he = DigestScalar(HashHe(state_->hs, ByteSpan(sig.data(), 32), message));
    // Step 4: HE + r * SSK must be non-zero modulo q.
    Scalar r_m, he_m;
    f.ToMont(r_m, x);
    f.ToMont(he_m, he);
    f.Mul(z.t, r_m, state_->ssk_mont);
    f.Add(z.t, z.t, he_m);
    mp::Limb zero = mp::IsZeroBit(z.t);
    Declassify(zero);  // retry decision only
    if (zero == 1) {
      continue;
    }
    // Step 5: s' = ( (HE + r * SSK)^-1 * j ) modulo q, with the inversion blinded as in step 2:
    // u = t * b is declassified, and t^-1 = b * u^-1.
    z.bq = BlindingFactor("iotsec ECCSI blind q", z.j, state_->ssk, p256::kQ);
    Scalar u, uinv, s;
    f.ToMont(z.bq_m, z.bq);
    f.Mul(u, z.t, z.bq_m);
    f.FromMont(u, u);
    Declassify(u);                           // blinded: (HE + r SSK) * b, uniformly distributed
    if (!p256::ScalarInvVartime(uinv, u)) {  // u != 0 since t != 0 and b != 0
      return Fail(ErrorCode::kInternal, "ECCSI sign: inversion failed");
    }
    f.ToMont(uinv, uinv);
    f.Mul(s, uinv, z.bq_m);
    f.ToMont(z.j_m, z.j);
    f.Mul(s, s, z.j_m);
    f.FromMont(s, s);
    Declassify(s);  // s is part of the signature
    // Step 6: s' < q fits in N = 32 octets, so s = s'. Step 7: Signature = r || s || PVT.
    p256::ScalarToBytes(std::span<uint8_t, 32>(sig.data() + 32, 32), s);
    std::memcpy(sig.data() + 64, state_->pvt.data(), kEccsiPointSize);
    return sig;
  }
  return Fail(ErrorCode::kUnavailable, "ECCSI sign: the random generator is broken");
}

// ---------------------------------------------------------------------------------------------
// Verification.

Status EccsiVerify(ByteSpan kpak, ByteSpan id, ByteSpan message, ByteSpan signature) {
  Affine tmp;
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, kpak, "KPAK", ErrorCode::kInvalidArgument));
  IOTSEC_TRY(sig, SplitSignature(signature));
  // RFC 6507 §5.2.2 step 1: the PVT must lie on the curve.
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, sig.pvt, "PVT", ErrorCode::kUnauthenticated));
  // Steps 2 and 3: HS and HE.
  const crypto::Sha256Digest hs_digest = HashHs(kpak, id, sig.pvt);
  const Scalar hs = DigestScalar(hs_digest);
  const Scalar he = DigestScalar(HashHe(hs_digest, sig.r_bytes, message));
  // Steps 4 and 5: J = [s]( [HE]G + [r]Y ) with Y = [HS]PVT + KPAK, computed as the single
  // multi-scalar multiplication [s HE]G + [s r HS]PVT + [s r]KPAK. (Unlike EccsiVerifier, this
  // does not refuse Y = O on its own: a PVT with [HS]PVT = -KPAK, where HS depends on the PVT,
  // cannot be found short of inverting SHA-256 or solving a discrete logarithm.)
  const Scalar a = MulModQ(sig.s, he);
  const Scalar c = MulModQ(sig.s, sig.r);
  const Scalar b = MulModQ(c, hs);
  const EC_GROUP* group = P256Group();
  BnCtxPtr ctx(BN_CTX_new());
  if (group == nullptr || !ctx) {
    return OpensslError("P-256 group");
  }
  IOTSEC_TRY(pvt_pt, ToEcPoint(group, sig.pvt, ctx.get()));
  IOTSEC_TRY(kpak_pt, ToEcPoint(group, kpak, ctx.get()));
  EcPointPtr j(EC_POINT_new(group));
  BN_CTX_start(ctx.get());
  Status st = [&]() -> Status {
    BIGNUM* a_bn = BN_CTX_get(ctx.get());
    BIGNUM* b_bn = BN_CTX_get(ctx.get());
    BIGNUM* c_bn = BN_CTX_get(ctx.get());
    BIGNUM* r_bn = BN_CTX_get(ctx.get());
    BIGNUM* jx = BN_CTX_get(ctx.get());
    if (jx == nullptr || !j) {  // BN_CTX_get fails for every later call once it has failed
      return OpensslError("BN_CTX_get");
    }
    IOTSEC_RETURN_IF_ERROR(ScalarToBn(a_bn, a));
    IOTSEC_RETURN_IF_ERROR(ScalarToBn(b_bn, b));
    IOTSEC_RETURN_IF_ERROR(ScalarToBn(c_bn, c));
    IOTSEC_RETURN_IF_ERROR(ScalarToBn(r_bn, sig.r));
    const EC_POINT* const points[2] = {pvt_pt.get(), kpak_pt.get()};
    const BIGNUM* const scalars[2] = {b_bn, c_bn};
    if (MultiMul(group, j.get(), a_bn, points, scalars, ctx.get()) != 1) {
      return OpensslError("EC_POINTs_mul");
    }
    if (EC_POINT_is_at_infinity(group, j.get()) == 1) {
      return Fail(ErrorCode::kUnauthenticated,
                  "signature check failed: J is the point at infinity");
    }
    if (EC_POINT_get_affine_coordinates(group, j.get(), jx, nullptr, ctx.get()) != 1) {
      return OpensslError("EC_POINT_get_affine_coordinates");
    }
    // Step 6: Jx = r (and Jx != 0, as r >= 1).
    if (BN_cmp(jx, r_bn) != 0) {
      return Fail(ErrorCode::kUnauthenticated, "signature check failed: Jx != r (RFC 6507 §5.2.2)");
    }
    return Ok();
  }();
  BN_CTX_end(ctx.get());
  return st;
}

struct EccsiVerifier::State {
  EccsiPoint pvt;
  crypto::Sha256Digest hs;
  std::unique_ptr<p256::CombTable> y_table;  // Y = [HS]PVT + KPAK
};

EccsiVerifier::EccsiVerifier(std::unique_ptr<State> s) : state_(std::move(s)) {}
EccsiVerifier::EccsiVerifier(EccsiVerifier&&) noexcept = default;
EccsiVerifier& EccsiVerifier::operator=(EccsiVerifier&&) noexcept = default;
EccsiVerifier::~EccsiVerifier() = default;

Result<EccsiVerifier> EccsiVerifier::Create(ByteSpan kpak, ByteSpan id, ByteSpan pvt) {
  Affine tmp;
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, kpak, "KPAK", ErrorCode::kInvalidArgument));
  IOTSEC_RETURN_IF_ERROR(DecodePoint(tmp, pvt, "PVT", ErrorCode::kInvalidArgument));
  auto state = std::make_unique<State>();
  std::memcpy(state->pvt.data(), pvt.data(), kEccsiPointSize);
  state->hs = HashHs(kpak, id, pvt);
  // RFC 6507 §5.2.2 step 4, once per identity: Y = [HS]PVT + KPAK. Y = O would mean SSK = 0
  // (§5.1.1 step 5 excludes it), for which anyone could sign, so it is refused.
  Result<EccsiPoint> y = ComputeY(kpak, pvt, DigestScalar(state->hs));
  if (!y) {
    return Fail(y.error().code() == ErrorCode::kUnauthenticated ? ErrorCode::kInvalidArgument
                                                                : y.error().code(),
                y.error().message());
  }
  Affine y_pt;
  IOTSEC_RETURN_IF_ERROR(DecodePoint(y_pt, *y, "Y", ErrorCode::kInternal));
  state->y_table = p256::CombTable::Build(y_pt);
  if (!state->y_table) {
    return Fail(ErrorCode::kInternal, "out of memory for the ECCSI verifier table");
  }
  return EccsiVerifier(std::move(state));
}

Status EccsiVerifier::Verify(ByteSpan message, ByteSpan signature) const {
  IOTSEC_TRY(sig, SplitSignature(signature));
  if (std::memcmp(sig.pvt.data(), state_->pvt.data(), kEccsiPointSize) != 0) {
    return Fail(ErrorCode::kUnauthenticated,
                "the signature carries another PVT than this verifier's (use EccsiVerify)");
  }
  // RFC 6507 §5.2.2 step 3: HE; step 5: J = [s HE]G + [s r]Y.
  const Scalar he = DigestScalar(HashHe(state_->hs, sig.r_bytes, message));
  Point j;
  p256::BaseTable().MulVartime(j, MulModQ(sig.s, he));
  state_->y_table->MulAddVartime(j, MulModQ(sig.s, sig.r));
  // Step 6: Jx = r with J = (X : Y : Z), that is X = r Z and Z != 0 (no inversion needed).
  if (p256::PointIsInfinityBit(j) == 1) {
    return Fail(ErrorCode::kUnauthenticated, "signature check failed: J is the point at infinity");
  }
  Fe r_m, rz;
  p256::FeToMont(r_m, sig.r);
  p256::FeMul(rz, r_m, j.z);
  if (mp::EqualBit(rz, j.x) == 0) {
    return Fail(ErrorCode::kUnauthenticated, "signature check failed: Jx != r (RFC 6507 §5.2.2)");
  }
  return Ok();
}

}  // namespace iotsec::ibc
