// Copyright iotsec authors.
#include "iotsec/crypto/hmac.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "iotsec/crypto/ct.h"

namespace iotsec::crypto {

namespace {

// Block is one SHA-256 block that is wiped when it goes out of scope (it holds key material).
struct WipedBlock {
  std::array<uint8_t, kSha256BlockSize> b{};
  ~WipedBlock() { SecureZero(b.data(), b.size()); }
};

struct WipedDigest {
  Sha256Digest d{};
  ~WipedDigest() { SecureZero(d.data(), d.size()); }
};

}  // namespace

Sha256Digest HmacSha256(ByteSpan key, ByteSpan data) {
  // RFC 2104 §2: K0 is the key hashed if longer than the block size B = 64, then padded with
  // zeros to B octets.
  WipedBlock k0;
  if (key.size() > kSha256BlockSize) {
    WipedDigest hashed_key;
    hashed_key.d = Sha256(key);
    std::copy(hashed_key.d.begin(), hashed_key.d.end(), k0.b.begin());
  } else {
    std::copy(key.begin(), key.end(), k0.b.begin());
  }
  // RFC 2104 §2: H(K XOR opad, H(K XOR ipad, text)), ipad = 0x36 and opad = 0x5c repeated.
  WipedBlock pad;
  for (size_t i = 0; i < kSha256BlockSize; ++i) {
    pad.b[i] = k0.b[i] ^ 0x36;
  }
  Sha256Hasher h;
  h.Update(pad.b);
  h.Update(data);
  WipedDigest inner;
  inner.d = h.Final();
  for (size_t i = 0; i < kSha256BlockSize; ++i) {
    pad.b[i] = k0.b[i] ^ 0x5c;
  }
  h.Update(pad.b);
  h.Update(inner.d);
  return h.Final();
}

SecretBytes HkdfSha256Extract(ByteSpan salt, ByteSpan ikm) {
  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); a missing salt is HashLen zero octets, which
  // HMAC pads to the same key block as an empty salt, so both give the same PRK.
  WipedDigest prk;
  prk.d = HmacSha256(salt, ikm);
  return SecretBytes(prk.d);
}

Result<SecretBytes> HkdfSha256Expand(ByteSpan prk, ByteSpan info, size_t length) {
  // RFC 5869 §2.3: PRK is "a pseudorandom key of at least HashLen octets", L <= 255*HashLen.
  if (prk.size() < kSha256Size) {
    return Fail(ErrorCode::kInvalidArgument,
                "HKDF PRK must be at least 32 octets, got " + std::to_string(prk.size()));
  }
  if (length > kHkdfSha256MaxLength) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "HKDF-SHA-256 output length must be at most 8160 octets, got " + std::to_string(length));
  }
  // RFC 5869 §2.3: T(0) = empty; T(i) = HMAC-Hash(PRK, T(i-1) | info | i); OKM = first L
  // octets of T(1) | T(2) | ...
  SecretBytes okm(length);
  SecretBytes block_input;
  WipedDigest t;
  size_t t_len = 0;
  size_t done = 0;
  for (uint8_t i = 1; done < length; ++i) {
    block_input.resize(t_len + info.size() + 1);
    uint8_t* p = block_input.data();
    std::copy(t.d.begin(), t.d.begin() + t_len, p);
    std::copy(info.begin(), info.end(), p + t_len);
    p[t_len + info.size()] = i;
    t.d = HmacSha256(prk, block_input);
    t_len = t.d.size();
    const size_t take = std::min(t.d.size(), length - done);
    std::copy(t.d.begin(), t.d.begin() + take, okm.data() + done);
    done += take;
  }
  return okm;
}

Result<SecretBytes> HkdfSha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, size_t length) {
  if (length > kHkdfSha256MaxLength) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "HKDF-SHA-256 output length must be at most 8160 octets, got " + std::to_string(length));
  }
  SecretBytes prk = HkdfSha256Extract(salt, ikm);
  return HkdfSha256Expand(prk, info, length);
}

}  // namespace iotsec::crypto
