// Copyright iotsec authors.
#include "openssl_util.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace iotsec::crypto::internal {

namespace {

std::string TakeOpenSslErrorText() {
  unsigned long err = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type.
  std::string text;
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

}  // namespace

Unexpected OpenSslFail(ErrorCode code, std::string_view what) {
  std::string message(what);
  std::string detail = TakeOpenSslErrorText();
  if (!detail.empty()) {
    message += " (OpenSSL: " + detail + ")";
  }
  return Fail(code, std::move(message));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

void OpenSslAbort(std::string_view what) {
  std::string detail = TakeOpenSslErrorText();
  std::fprintf(stderr, "iotsec crypto: fatal: %.*s (OpenSSL: %s)\n", static_cast<int>(what.size()),
               what.data(), detail.c_str());
  std::abort();
}

PkeyPtr WrapPkey(EVP_PKEY* pkey) { return PkeyPtr(pkey, EVP_PKEY_free); }

const EVP_MD* Sha256Md() {
  // Fetched once (thread-safe static initialization) and deliberately never freed, so that
  // hashing does not pay for a provider lookup on every call.
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) {
      OpenSslAbort("EVP_MD_fetch(SHA256) failed");
    }
    return fetched;
  }();
  return md;
}

}  // namespace iotsec::crypto::internal
