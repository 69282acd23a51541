// Copyright iotsec authors.
#include "iotsec/crypto/aead.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <string>

#include "openssl_util.h"

namespace iotsec::crypto {

namespace {

using internal::CipherCtxPtr;
using internal::OpenSslFail;

// EVP_*Update take int lengths; longer inputs are processed in chunks of this size.
constexpr size_t kChunk = size_t{1} << 30;

// Cipher returns AES-128-GCM or AES-256-GCM for a key of |key_size| octets (fetched once per
// process), or nullptr for another size.
const EVP_CIPHER* Cipher(size_t key_size) {
  static const EVP_CIPHER* const aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static const EVP_CIPHER* const aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (key_size == 16) {
    return aes128;
  }
  if (key_size == 32) {
    return aes256;
  }
  return nullptr;
}

Status CheckKeyAndNonce(ByteSpan key, ByteSpan nonce) {
  if (key.size() != 16 && key.size() != 32) {
    return Fail(ErrorCode::kInvalidArgument,
                "AES-GCM key must be 16 or 32 octets, got " + std::to_string(key.size()));
  }
  // RFC 5116 §5.1: the nonce length is 12 octets.
  if (nonce.size() != kAesGcmNonceSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "AES-GCM nonce must be 12 octets, got " + std::to_string(nonce.size()));
  }
  return Ok();
}

// NewContext returns a context set up for |key| and |nonce| in the given direction.
Result<CipherCtxPtr> NewContext(ByteSpan key, ByteSpan nonce, bool encrypt) {
  const EVP_CIPHER* cipher = Cipher(key.size());
  if (cipher == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_CIPHER_fetch(AES-GCM) failed");
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_CIPHER_CTX_new failed");
  }
  // The default GCM IV length in OpenSSL is 12 octets, which is the only one accepted here.
  if (EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) !=
      1) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_CipherInit_ex2(AES-GCM) failed");
  }
  return ctx;
}

// Process feeds |in| through the context; |out| nullptr means additional data.
Status Process(EVP_CIPHER_CTX* ctx, ByteSpan in, uint8_t* out) {
  size_t done = 0;
  while (done < in.size()) {
    const size_t chunk = std::min(in.size() - done, kChunk);
    int out_len = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + done, &out_len, in.data() + done,
                         static_cast<int>(chunk)) != 1) {
      return OpenSslFail(ErrorCode::kInternal, "EVP_CipherUpdate(AES-GCM) failed");
    }
    if (out != nullptr && static_cast<size_t>(out_len) != chunk) {
      return Fail(ErrorCode::kInternal, "AES-GCM produced an unexpected output length");
    }
    done += chunk;
  }
  return Ok();
}

}  // namespace

Result<Bytes> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext) {
  IOTSEC_RETURN_IF_ERROR(CheckKeyAndNonce(key, nonce));
  IOTSEC_TRY(ctx, NewContext(key, nonce, /*encrypt=*/true));
  Bytes out(plaintext.size() + kAesGcmTagSize);
  IOTSEC_RETURN_IF_ERROR(Process(ctx.get(), aad, nullptr));
  IOTSEC_RETURN_IF_ERROR(Process(ctx.get(), plaintext, out.data()));
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + plaintext.size(), &final_len) != 1 ||
      final_len != 0) {
    return OpenSslFail(ErrorCode::kInternal, "EVP_EncryptFinal_ex(AES-GCM) failed");
  }
  // RFC 5116 §5.1: the tag (16 octets) is appended to the ciphertext.
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          out.data() + plaintext.size()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "reading the AES-GCM tag failed");
  }
  return out;
}

Result<SecretBytes> AesGcmOpen(ByteSpan key, ByteSpan nonce, ByteSpan aad,
                               ByteSpan ciphertext_and_tag) {
  IOTSEC_RETURN_IF_ERROR(CheckKeyAndNonce(key, nonce));
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "AES-GCM input must be at least 16 octets (the tag), got " +
                    std::to_string(ciphertext_and_tag.size()));
  }
  const size_t ct_size = ciphertext_and_tag.size() - kAesGcmTagSize;
  ByteSpan ciphertext = ciphertext_and_tag.first(ct_size);
  // OpenSSL's SET_TAG takes a non-const pointer but only reads it; copy to stay const-correct.
  std::array<uint8_t, kAesGcmTagSize> tag;
  std::copy(ciphertext_and_tag.begin() + ct_size, ciphertext_and_tag.end(), tag.begin());

  IOTSEC_TRY(ctx, NewContext(key, nonce, /*encrypt=*/false));
  SecretBytes plaintext(ct_size);
  IOTSEC_RETURN_IF_ERROR(Process(ctx.get(), aad, nullptr));
  IOTSEC_RETURN_IF_ERROR(Process(ctx.get(), ciphertext, plaintext.data()));
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize),
                          tag.data()) != 1) {
    return OpenSslFail(ErrorCode::kInternal, "setting the AES-GCM tag failed");
  }
  int final_len = 0;
  uint8_t unused_final[16];  // GCM writes nothing here; OpenSSL wants a buffer
  // SP 800-38D §7.2 step 8: the plaintext is released only if the computed tag equals the
  // received one (OpenSSL compares them with CRYPTO_memcmp). On failure |plaintext| is wiped
  // by its destructor.
  if (EVP_DecryptFinal_ex(ctx.get(), unused_final, &final_len) != 1) {
    internal::ClearOpenSslErrors();
    return Fail(ErrorCode::kUnauthenticated, "AES-GCM tag does not verify");
  }
  return plaintext;
}

}  // namespace iotsec::crypto
