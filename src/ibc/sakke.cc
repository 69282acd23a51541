// Copyright iotsec authors.
// SAKKE (RFC 6508) with parameter set 1 of RFC 6509. The arithmetic is in sakke_fp.h (F_p,
// F_p^2), sakke_curve.h (the curve, fixed-base tables) and sakke_pairing.h (the pairing, g^r).
//
// Declassification: the only values computed from secrets that this file reveals (with
// crypto::CtUnpoison, so that valgrind's constant-time check accepts the branch on them) are
// one-bit outcomes that the caller learns anyway: whether z is in range, whether b + z = 0,
// whether an RSK parses and validates, whether a rejection-sampled candidate is accepted,
// whether the encapsulated data authenticates, and whether R is the point at infinity.
//
// The one-shot functions keep nothing derived from a secret beyond the call: a caller that
// decapsulates many times with one RSK holds a SakkeReceiver, whose precomputation it owns.
#include "iotsec/ibc/sakke.h"

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "iotsec/crypto/ct.h"
#include "sakke_curve.h"
#include "sakke_fp.h"
#include "sakke_hash.h"
#include "sakke_pairing.h"

namespace iotsec::ibc {

using sakke::Affine;
using sakke::FixedBaseTable;
using sakke::Fp;
using sakke::Fp2;
using sakke::HashToMask;
using sakke::HashToQ;
using sakke::Jac;
using sakke::Limb;
using sakke::MillerLines;
using sakke::MulModQ;
using sakke::Num;
using sakke::QField;

namespace {

constexpr size_t kMaxIdentityBytes = 128;  // b must fit in 1024 bits (doc/formats/ibc-keys.md)

// Declassify reveals a one-bit outcome computed from secrets (see the file comment).
bool Declassify(Limb mask) {
  crypto::CtUnpoison(&mask, sizeof(mask));
  return mask != 0;
}

// Wipe zeroes a local that held secret data.
template <typename T>
void Wipe(T& v) {
  crypto::SecureZero(&v, sizeof(v));
}

// IdentityScalar returns b mod q for identity |id| read as a big-endian integer (RFC 6508
// §2.2); refuses identities longer than 128 octets and those with b = 0 mod q.
Result<Num> IdentityScalar(ByteSpan id) {
  if (id.size() > kMaxIdentityBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "SAKKE identity is " + std::to_string(id.size()) + " octets, at most " +
                    std::to_string(kMaxIdentityBytes) + " are allowed");
  }
  Num b;
  mp::FromBytes(b, id);
  Num r;
  QField().Reduce(r, b);
  if (mp::IsZeroBit(r)) {
    return Fail(ErrorCode::kInvalidArgument, "SAKKE identity is 0 modulo q");
  }
  return r;
}

// ParsePublicPoint decodes Z (a public point; RFC 6508 §4).
Result<Affine> ParsePublicPoint(ByteSpan in, const char* what) {
  if (in.size() != kSakkePointSize) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " must be " +
                                                 std::to_string(kSakkePointSize) + " octets, got " +
                                                 std::to_string(in.size()));
  }
  Affine a;
  if (!Declassify(sakke::DecodePoint(a, in.first<kSakkePointSize>()))) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " is not 0x04 || x || y with (x, y) a point of order > 2 on E");
  }
  return a;
}

// ParseRsk decodes a Receiver Secret Key in constant time; only its validity is revealed.
Result<Affine> ParseRsk(const crypto::SecretBytes& rsk) {
  if (rsk.size() != kSakkePointSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "SAKKE RSK must be " + std::to_string(kSakkePointSize) + " octets");
  }
  Affine k;
  if (!Declassify(sakke::DecodePoint(k, rsk.span().first<kSakkePointSize>()))) {
    Wipe(k);
    return Fail(ErrorCode::kInvalidArgument, "SAKKE RSK is not a point of order > 2 on E");
  }
  return k;
}

// ParseMasterSecret reads z and checks 2 <= z < q in constant time (RFC 6508 §2.2).
Result<Num> ParseMasterSecret(const crypto::SecretBytes& z) {
  if (z.size() != kSakkeScalarSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "SAKKE master secret must be " + std::to_string(kSakkeScalarSize) + " octets");
  }
  Num v;
  mp::FromBytes(v, z.span());
  Num two{};
  two.w[0] = 2;
  const Limb ok = mp::MaskFromBit(mp::LessBit(v, sakke::kQ) & (mp::LessBit(v, two) ^ 1));
  if (!Declassify(ok)) {
    Wipe(v);
    return Fail(ErrorCode::kInvalidArgument, "SAKKE master secret is not in [2, q-1]");
  }
  return v;
}

// QbPoint returns [b]P + Z (public) in affine form; refuses the point at infinity and points
// of order 2 (b = -z mod q, or a Z of the wrong order).
Result<Affine> QbPoint(const Num& b, const Affine& z) {
  Jac bp, zj, sum;
  sakke::PTable().Mul(bp, b);
  sakke::ToJac(zj, z);
  sakke::JacAdd(sum, bp, zj);
  Affine qb;
  const Limb inf = sakke::JacToAffine(qb, sum);
  if (Declassify(inf | sakke::FpIsZero(qb.y))) {
    return Fail(ErrorCode::kInvalidArgument, "[b]P + Z is not of order q for this identity");
  }
  return qb;
}

// The public fixed-base table of Z for the one-shot functions (built once per Z and cached).
Result<std::shared_ptr<const FixedBaseTable>> ZTable(ByteSpan z_pub, const Affine& z) {
  auto table = sakke::CachedTable(z_pub.first<kSakkePointSize>(), z);
  if (table == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "SAKKE Z is not of order q");
  }
  return table;
}

// EncapsulateWith runs RFC 6508 §6.2.1 for identity |id|; mul_qb(out, r) computes
// [r]([b]P + Z) in constant time.
template <typename MulQb>
Result<SakkeEncapsulation> EncapsulateWith(ByteSpan id, crypto::Rng& rng, const MulQb& mul_qb) {
  SakkeEncapsulation out;
  // 1) Select a random ephemeral integer SSV in [0, 2^n).
  out.ssv = crypto::SecretBytes(kSakkeSsvSize);
  IOTSEC_RETURN_IF_ERROR(rng.Fill(out.ssv.mutable_span()));
  // 2) r = HashToIntegerRange(SSV || b, q, Hash).
  Num r;
  HashToQ(r, out.ssv.span(), id);
  // 3) R_(b,S) = [r]([b]P + Z_S).
  Jac rj;
  mul_qb(rj, r);
  Affine ra;
  if (Declassify(sakke::JacToAffine(ra, rj))) {
    // [b]P + Z = O (b = -z mod q: the identity can have no RSK), or r = 0 (probability 2^-1021).
    Wipe(r);
    return Fail(ErrorCode::kInvalidArgument, "[b]P + Z is the point at infinity for this identity");
  }
  sakke::EncodePoint(std::span<uint8_t, kSakkePointSize>(out.data.data(), kSakkePointSize), ra);
  // 4) H = SSV XOR HashToIntegerRange(g^r, 2^n, Hash).
  Fp gr;
  sakke::PowG(gr, r);
  std::array<uint8_t, kSakkeSsvSize> mask;
  HashToMask(mask, gr);
  for (size_t i = 0; i < kSakkeSsvSize; ++i) {
    out.data[kSakkePointSize + i] = out.ssv.data()[i] ^ mask[i];
  }
  Wipe(r);
  Wipe(gr);
  Wipe(mask);
  // 5) The Encapsulated Data is R_(b,S) || H (RFC 6508 §4).
  return out;
}

// ParseEncapsulated splits the Encapsulated Data (RFC 6508 §6.2.2, step 1).
Result<Affine> ParseEncapsulated(ByteSpan data) {
  if (data.size() != kSakkeEncapsulatedSize) {
    return Fail(ErrorCode::kInvalidArgument, "SAKKE encapsulated data must be " +
                                                 std::to_string(kSakkeEncapsulatedSize) +
                                                 " octets, got " + std::to_string(data.size()));
  }
  Affine r;
  if (!Declassify(sakke::DecodePoint(r, data.first<kSakkePointSize>()))) {
    return Fail(ErrorCode::kUnauthenticated,
                "SAKKE encapsulated data: R is not a point of order > 2 on E");
  }
  return r;
}

// DecapsulateWith runs RFC 6508 §6.2.2 steps 3 to 6 from w = <R, K>; mul_qb as above.
template <typename MulQb>
Result<crypto::SecretBytes> DecapsulateWith(ByteSpan id, ByteSpan data, const Affine& r_point,
                                            const Fp& w, const MulQb& mul_qb) {
  // 3) SSV = H XOR HashToIntegerRange(w, 2^n, Hash).
  std::array<uint8_t, kSakkeSsvSize> mask;
  HashToMask(mask, w);
  crypto::SecretBytes ssv(kSakkeSsvSize);
  for (size_t i = 0; i < kSakkeSsvSize; ++i) {
    ssv.data()[i] = data[kSakkePointSize + i] ^ mask[i];
  }
  Wipe(mask);
  // 4) r = HashToIntegerRange(SSV || b, q, Hash).
  Num r;
  HashToQ(r, ssv.span(), id);
  // 5) TEST = [r]([b]P + Z_S); reject unless TEST = R_(b,S).
  Jac test;
  mul_qb(test, r);
  Wipe(r);
  if (!Declassify(sakke::JacEqualsAffine(test, r_point))) {
    return Fail(ErrorCode::kUnauthenticated, "SAKKE encapsulated data does not authenticate");
  }
  // 6) Output SSV.
  return ssv;
}

// The receiver check of RFC 6508 §6.1.2: <[b]P + Z, K> = g, from the Miller value.
bool PairingIsG(const Fp2& f) {
  Fp w;
  sakke::PairingValue(w, f);
  return Declassify(sakke::FpEqual(w, sakke::GValue()));
}

}  // namespace

Result<crypto::SecretBytes> SakkeGenerateMasterSecret(crypto::Rng& rng) {
  // RFC 6508 §2.2: z in [2, q-1]; rejection sampling over 1022-bit candidates (q > 2^1021).
  crypto::SecretBytes z(kSakkeScalarSize);
  for (int attempt = 0; attempt < 256; ++attempt) {
    IOTSEC_RETURN_IF_ERROR(rng.Fill(z.mutable_span()));
    z.data()[0] &= 0x3f;
    Num v;
    mp::FromBytes(v, z.span());
    Num two{};
    two.w[0] = 2;
    const Limb ok = mp::MaskFromBit(mp::LessBit(v, sakke::kQ) & (mp::LessBit(v, two) ^ 1));
    Wipe(v);
    if (Declassify(ok)) {  // only the accept bit of a discarded-or-kept candidate
      return z;
    }
  }
  return Fail(ErrorCode::kInternal, "SAKKE master secret: random source gave no value below q");
}

Result<SakkePoint> SakkeZFromMasterSecret(const crypto::SecretBytes& z) {
  IOTSEC_TRY(zv, ParseMasterSecret(z));
  // RFC 6508 §2.2: Z = [z]P.
  Jac zj;
  sakke::PTable().Mul(zj, zv);
  Wipe(zv);
  Affine za;
  sakke::JacToAffine(za, zj);  // z != 0 mod q, so Z != O
  SakkePoint out;
  sakke::EncodePoint(out, za);
  crypto::CtUnpoison(out.data(), out.size());  // Z is the public key
  return out;
}

Result<crypto::SecretBytes> SakkeIssueRsk(const crypto::SecretBytes& z, ByteSpan id) {
  IOTSEC_TRY(zv, ParseMasterSecret(z));
  IOTSEC_TRY(b, IdentityScalar(id));
  // RFC 6508 §6.1.1: K_(b,S) = [(b + z)^-1]P, with b + z reduced mod q.
  Num s;
  Limb carry = mp::AddRaw(s, zv, b);
  Num sq;
  Limb borrow = mp::SubRaw(sq, s, sakke::kQ);
  mp::Select(s, mp::MaskFromBit(carry | (borrow ^ 1)), sq, s);
  Wipe(zv);
  if (Declassify(mp::MaskFromBit(mp::IsZeroBit(s)))) {
    return Fail(ErrorCode::kInvalidArgument, "SAKKE identity has b + z = 0 mod q: no RSK exists");
  }
  Num k;
  sakke::CtInvMod(k, s, sakke::kQ);
  Wipe(s);
  Jac kj;
  sakke::PTable().Mul(kj, k);
  Wipe(k);
  Affine ka;
  sakke::JacToAffine(ka, kj);
  crypto::SecretBytes out(kSakkePointSize);
  sakke::EncodePoint(out.mutable_span().first<kSakkePointSize>(), ka);
  Wipe(kj);
  Wipe(ka);
  return out;
}

Status SakkeValidateRsk(ByteSpan z_pub, ByteSpan id, const crypto::SecretBytes& rsk) {
  IOTSEC_TRY(z, ParsePublicPoint(z_pub, "SAKKE Z"));
  IOTSEC_TRY(b, IdentityScalar(id));
  IOTSEC_TRY(k, ParseRsk(rsk));
  IOTSEC_TRY(qb, QbPoint(b, z));
  // RFC 6508 §6.1.2: <[b]P + Z, K_(b,S)> = g, computed as <K, [b]P + Z> (the pairing is
  // symmetric on E[q]; see sakke_pairing.h).
  Fp2 f;
  sakke::MillerDirect(f, k, qb);
  Wipe(k);
  if (!PairingIsG(f)) {
    return Fail(ErrorCode::kUnauthenticated, "SAKKE RSK does not belong to this identity and Z");
  }
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// The precomputation of SakkeSender and SakkeReceiver, which the one-shot functions also keep for
// keys that they meet again.

struct SakkeSender::State {
  Bytes id;
  std::unique_ptr<FixedBaseTable> qb;  // table of [b]P + Z
};

struct SakkeReceiver::State {
  Bytes id;
  std::unique_ptr<FixedBaseTable> qb;  // table of [b]P + Z, for the check of §6.2.2 step 5
  std::unique_ptr<MillerLines> lines;  // K's Miller loop (secret)
};

namespace {

// QbTable builds the table of Q = [b]P + Z and checks that Q has order q ([q]Q = O), which
// also checks Z's order since [q][b]P = O.
Result<std::unique_ptr<FixedBaseTable>> QbTable(const Affine& qb) {
  std::unique_ptr<FixedBaseTable> table = FixedBaseTable::Build(qb);
  Jac t;
  table->Mul(t, sakke::kQ);
  if (!Declassify(sakke::JacIsInfinity(t))) {
    return Fail(ErrorCode::kInvalidArgument, "SAKKE Z is not of order q");
  }
  return table;
}

Result<std::unique_ptr<SakkeSender::State>> MakeSenderState(ByteSpan z_pub, ByteSpan id) {
  IOTSEC_TRY(z, ParsePublicPoint(z_pub, "SAKKE Z"));
  IOTSEC_TRY(b, IdentityScalar(id));
  IOTSEC_TRY(qb, QbPoint(b, z));
  IOTSEC_TRY(table, QbTable(qb));
  auto s = std::make_unique<SakkeSender::State>();
  s->id.assign(id.begin(), id.end());
  s->qb = std::move(table);
  return s;
}

Result<SakkeEncapsulation> EncapsulateState(const SakkeSender::State& s, crypto::Rng& rng) {
  const FixedBaseTable& table = *s.qb;
  auto mul_qb = [&](Jac& out, const Num& r) { table.Mul(out, r); };
  return EncapsulateWith(s.id, rng, mul_qb);
}

Result<std::unique_ptr<SakkeReceiver::State>> MakeReceiverState(ByteSpan z_pub, ByteSpan id,
                                                                const crypto::SecretBytes& rsk) {
  IOTSEC_TRY(z, ParsePublicPoint(z_pub, "SAKKE Z"));
  IOTSEC_TRY(b, IdentityScalar(id));
  IOTSEC_TRY(k, ParseRsk(rsk));
  IOTSEC_TRY(qb, QbPoint(b, z));
  IOTSEC_TRY(table, QbTable(qb));
  auto s = std::make_unique<SakkeReceiver::State>();
  s->id.assign(id.begin(), id.end());
  s->qb = std::move(table);
  s->lines = MillerLines::Precompute(k);
  Wipe(k);
  // RFC 6508 §6.1.2 with the precomputed lines: <K, [b]P + Z> = g.
  Fp2 f;
  s->lines->Evaluate(f, qb);
  if (!PairingIsG(f)) {
    return Fail(ErrorCode::kUnauthenticated, "SAKKE RSK does not belong to this identity and Z");
  }
  return s;
}

Result<crypto::SecretBytes> DecapsulateState(const SakkeReceiver::State& s, ByteSpan data) {
  IOTSEC_TRY(r_point, ParseEncapsulated(data));
  // 2) w = <R_(b,S), K_(b,S)> = <K, R> from K's precomputed lines.
  Fp2 f;
  s.lines->Evaluate(f, r_point);
  Fp w;
  sakke::PairingValue(w, f);
  const FixedBaseTable& table = *s.qb;
  auto mul_qb = [&](Jac& out, const Num& r) { table.Mul(out, r); };
  auto result = DecapsulateWith(s.id, data, r_point, w, mul_qb);
  Wipe(w);
  Wipe(f);
  return result;
}

}  // namespace

Result<SakkeEncapsulation> SakkeEncapsulate(ByteSpan z_pub, ByteSpan id, crypto::Rng& rng) {
  IOTSEC_TRY(z, ParsePublicPoint(z_pub, "SAKKE Z"));
  IOTSEC_TRY(b, IdentityScalar(id));
  IOTSEC_TRY(ztable, ZTable(z_pub, z));
  // [r]([b]P + Z) = [r b mod q]P + [r]Z with the tables of P and Z.
  auto mul_qb = [&](Jac& out, const Num& r) {
    Num rb;
    MulModQ(rb, r, b);
    Jac a, c;
    sakke::PTable().Mul(a, rb);
    ztable->Mul(c, r);
    sakke::JacAdd(out, a, c);
    Wipe(rb);
  };
  return EncapsulateWith(id, rng, mul_qb);
}

Result<crypto::SecretBytes> SakkeDecapsulate(ByteSpan z_pub, ByteSpan id,
                                             const crypto::SecretBytes& rsk,
                                             ByteSpan encapsulated) {
  IOTSEC_TRY(z, ParsePublicPoint(z_pub, "SAKKE Z"));
  IOTSEC_TRY(b, IdentityScalar(id));
  IOTSEC_TRY(k, ParseRsk(rsk));
  IOTSEC_TRY(r_point, ParseEncapsulated(encapsulated));
  IOTSEC_TRY(ztable, ZTable(z_pub, z));
  // 2) w = <R_(b,S), K_(b,S)>, computed as <K, R> (symmetric).
  Fp2 f;
  sakke::MillerDirect(f, k, r_point);
  Wipe(k);
  Fp w;
  sakke::PairingValue(w, f);
  auto mul_qb = [&](Jac& out, const Num& r) {
    Num rb;
    MulModQ(rb, r, b);
    Jac a, c;
    sakke::PTable().Mul(a, rb);
    ztable->Mul(c, r);
    sakke::JacAdd(out, a, c);
    Wipe(rb);
  };
  auto result = DecapsulateWith(id, encapsulated, r_point, w, mul_qb);
  Wipe(w);
  Wipe(f);
  return result;
}

// ---------------------------------------------------------------------------------------------
// SakkeSender and SakkeReceiver.

SakkeSender::SakkeSender(std::unique_ptr<State> s) : state_(std::move(s)) {}
SakkeSender::SakkeSender(SakkeSender&&) noexcept = default;
SakkeSender& SakkeSender::operator=(SakkeSender&&) noexcept = default;
SakkeSender::~SakkeSender() = default;

Result<SakkeSender> SakkeSender::Create(ByteSpan z_pub, ByteSpan id) {
  IOTSEC_TRY(state, MakeSenderState(z_pub, id));
  return SakkeSender(std::move(state));
}

Result<SakkeEncapsulation> SakkeSender::Encapsulate(crypto::Rng& rng) const {
  return EncapsulateState(*state_, rng);
}

SakkeReceiver::SakkeReceiver(std::unique_ptr<State> s) : state_(std::move(s)) {}
SakkeReceiver::SakkeReceiver(SakkeReceiver&&) noexcept = default;
SakkeReceiver& SakkeReceiver::operator=(SakkeReceiver&&) noexcept = default;
SakkeReceiver::~SakkeReceiver() = default;

Result<SakkeReceiver> SakkeReceiver::Create(ByteSpan z_pub, ByteSpan id,
                                            const crypto::SecretBytes& rsk) {
  IOTSEC_TRY(state, MakeReceiverState(z_pub, id, rsk));
  return SakkeReceiver(std::move(state));
}

Result<crypto::SecretBytes> SakkeReceiver::Decapsulate(ByteSpan encapsulated) const {
  return DecapsulateState(*state_, encapsulated);
}

}  // namespace iotsec::ibc
