// Copyright iotsec authors.
// Result<T>: std::expected<T, Error> (STYLE.md rule 8).
//
// g++ 12 provides std::expected with -std=c++2b. clang 14, which builds the libFuzzer targets,
// cannot compile libstdc++ 12's <expected> (it lacks C++20 conditionally trivial special
// members), so for that compiler alone a minimal stand-in with the same member names is used.
// Code must therefore use only: has_value(), operator bool, value(), operator*, operator->,
// error(), value_or(), and construct failures with Fail(...) or Unexpected(error).
#ifndef IOTSEC_COMMON_RESULT_H_
#define IOTSEC_COMMON_RESULT_H_

#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "iotsec/common/error.h"

#if __has_include(<expected>)
#include <expected>
#endif

namespace iotsec {

#if defined(__cpp_lib_expected)

template <typename T>
using Result = std::expected<T, Error>;
using Unexpected = std::unexpected<Error>;

#else  // minimal stand-in, see the file comment

class Unexpected {
 public:
  explicit Unexpected(Error e) : error_(std::move(e)) {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  template <typename U = T,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Unexpected> &&
                                        !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u).error()) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { Check(); return std::get<0>(v_); }
  const T& value() const& { Check(); return std::get<0>(v_); }
  T&& value() && { Check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  template <typename U>
  T value_or(U&& d) const& { return has_value() ? std::get<0>(v_) : T(std::forward<U>(d)); }

 private:
  void Check() const { if (!has_value()) { std::abort(); } }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : e_(std::move(u).error()) {}  // NOLINT
  bool has_value() const { return !e_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const { if (e_) { std::abort(); } }
  void operator*() const { value(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

#endif

// Status is the result of an operation that returns nothing on success.
using Status = Result<void>;

// Fail returns an Unexpected that converts to any failed Result<T>.
inline Unexpected Fail(ErrorCode code, std::string message) {
  return Unexpected(Error(code, std::move(message)));
}

// Ok returns a successful Status.
inline Status Ok() { return Status(); }

}  // namespace iotsec

// IOTSEC_TRY(var, expr): evaluates expr (a Result<T>); on failure returns its error from the
// enclosing function, otherwise moves the value into a new variable |var|.
#define IOTSEC_TRY_CONCAT_INNER(a, b) a##b
#define IOTSEC_TRY_CONCAT(a, b) IOTSEC_TRY_CONCAT_INNER(a, b)
#define IOTSEC_TRY(var, expr)                                           \
  auto IOTSEC_TRY_CONCAT(iotsec_try_, __LINE__) = (expr);               \
  if (!IOTSEC_TRY_CONCAT(iotsec_try_, __LINE__).has_value()) {          \
    return ::iotsec::Unexpected(IOTSEC_TRY_CONCAT(iotsec_try_, __LINE__).error()); \
  }                                                                     \
  auto var = std::move(*IOTSEC_TRY_CONCAT(iotsec_try_, __LINE__))

// IOTSEC_RETURN_IF_ERROR(expr): evaluates expr (a Status); on failure returns its error.
#define IOTSEC_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    auto iotsec_status_ = (expr);                             \
    if (!iotsec_status_.has_value()) {                        \
      return ::iotsec::Unexpected(iotsec_status_.error());    \
    }                                                         \
  } while (0)

#endif  // IOTSEC_COMMON_RESULT_H_
