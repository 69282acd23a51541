// Copyright iotsec authors.
// SecretBytes: a zeroizing byte buffer for keys and other secrets (STYLE.md rule 13; modelled
// on Botan's secure_vector).
#ifndef IOTSEC_CRYPTO_SECRET_BYTES_H_
#define IOTSEC_CRYPTO_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "iotsec/common/bytes.h"

namespace iotsec::crypto {

// SecretBytes owns a byte buffer whose contents are wiped with OPENSSL_cleanse whenever they
// are released: in the destructor, when resize() shrinks or reallocates, on clear(), and when
// the buffer is moved from or assigned over. It is move-only; Clone() makes an explicit copy.
// There is deliberately no operator== (compare secrets with CtEqual from ct.h).
class SecretBytes {
 public:
  // SecretBytes() is empty.
  SecretBytes() = default;
  // SecretBytes(n) holds |n| zero octets.
  explicit SecretBytes(size_t n);
  // SecretBytes(copy_from) holds a copy of |copy_from|; the caller still owns (and should wipe)
  // the original.
  explicit SecretBytes(ByteSpan copy_from);
  // ~SecretBytes wipes the whole allocated block before freeing it.
  ~SecretBytes();

  // SecretBytes(SecretBytes&&) and operator= move the buffer (no copy is left behind); the
  // source is left empty. Assignment wipes the previous contents of the destination.
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Clone returns an independent copy of the contents.
  SecretBytes Clone() const;

  // data returns the first octet (nullptr when empty and never allocated).
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  // size returns the number of octets held.
  size_t size() const { return size_; }
  // empty is true when size() == 0.
  bool empty() const { return size_ == 0; }
  // resize sets the size to |n|: new octets are zero; octets beyond |n| are wiped. When the
  // buffer must grow beyond its capacity it is reallocated and the old block wiped.
  void resize(size_t n);
  // clear wipes the contents and sets the size to 0 (the capacity is kept).
  void clear();

  // span views the contents (valid until the next resize, clear, move or destruction).
  ByteSpan span() const { return ByteSpan(data_.get(), size_); }
  // mutable_span views the contents for writing.
  std::span<uint8_t> mutable_span() { return std::span<uint8_t>(data_.get(), size_); }
  // operator ByteSpan is span(), so SecretBytes can be passed wherever ByteSpan is taken.
  operator ByteSpan() const { return span(); }  // NOLINT(google-explicit-constructor)

 private:
  void Wipe();

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace iotsec::crypto

#endif  // IOTSEC_CRYPTO_SECRET_BYTES_H_
