// Copyright iotsec authors.
#include "iotsec/crypto/hash.h"

#include <openssl/evp.h>

#include <utility>

#include "openssl_util.h"

namespace iotsec::crypto {

namespace {

void InitOrAbort(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex2(ctx, internal::Sha256Md(), nullptr) != 1) {
    internal::OpenSslAbort("EVP_DigestInit_ex2(SHA256) failed");
  }
}

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) {
    internal::OpenSslAbort("EVP_MD_CTX_new failed");
  }
  InitOrAbort(ctx_);
}

Sha256Hasher::~Sha256Hasher() {
  // EVP_MD_CTX_free wipes the hash state before freeing it.
  EVP_MD_CTX_free(ctx_);
}

Sha256Hasher::Sha256Hasher(Sha256Hasher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void Sha256Hasher::Update(ByteSpan data) {
  if (ctx_ == nullptr) {  // moved-from: start afresh rather than crash
    ctx_ = EVP_MD_CTX_new();
    if (ctx_ == nullptr) {
      internal::OpenSslAbort("EVP_MD_CTX_new failed");
    }
    InitOrAbort(ctx_);
  }
  if (data.empty()) {
    return;
  }
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
    internal::OpenSslAbort("EVP_DigestUpdate(SHA256) failed");
  }
}

Sha256Digest Sha256Hasher::Final() {
  Update({});  // revives a moved-from object
  Sha256Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
    internal::OpenSslAbort("EVP_DigestFinal_ex(SHA256) failed");
  }
  InitOrAbort(ctx_);
  return out;
}

Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, internal::Sha256Md(), nullptr) != 1 ||
      len != out.size()) {
    internal::OpenSslAbort("EVP_Digest(SHA256) failed");
  }
  return out;
}

}  // namespace iotsec::crypto
