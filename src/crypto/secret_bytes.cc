// Copyright iotsec authors.
#include "iotsec/crypto/secret_bytes.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

namespace iotsec::crypto {

SecretBytes::SecretBytes(size_t n) { resize(n); }

SecretBytes::SecretBytes(ByteSpan copy_from) {
  resize(copy_from.size());
  std::copy(copy_from.begin(), copy_from.end(), data_.get());
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

SecretBytes SecretBytes::Clone() const { return SecretBytes(span()); }

void SecretBytes::resize(size_t n) {
  if (n <= capacity_) {
    if (n < size_) {
      OPENSSL_cleanse(data_.get() + n, size_ - n);
    }
    // Octets in [size_, capacity_) are always zero (wiped when released), so growth within the
    // capacity yields zeros.
    size_ = n;
    return;
  }
  // new T[n]() value-initializes: the new block is zero-filled.
  std::unique_ptr<uint8_t[]> bigger(new uint8_t[n]());
  if (size_ > 0) {
    std::copy(data_.get(), data_.get() + size_, bigger.get());
  }
  Wipe();
  data_ = std::move(bigger);
  capacity_ = n;
  size_ = n;
}

void SecretBytes::clear() {
  if (size_ > 0) {
    OPENSSL_cleanse(data_.get(), size_);
  }
  size_ = 0;
}

void SecretBytes::Wipe() {
  if (data_ != nullptr && capacity_ > 0) {
    OPENSSL_cleanse(data_.get(), capacity_);
  }
  data_.reset();
  size_ = 0;
  capacity_ = 0;
}

}  // namespace iotsec::crypto
