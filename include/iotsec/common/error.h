// Copyright iotsec authors.
// The one error type of iotsec (STYLE.md rule 8): a code from a small fixed set and a message
// that a user can act on. Every fallible function returns Result<T>.
#ifndef IOTSEC_COMMON_ERROR_H_
#define IOTSEC_COMMON_ERROR_H_

#include <string>
#include <string_view>
#include <utility>

namespace iotsec {

// ErrorCode is the small fixed set of failure kinds (modelled on absl::StatusCode).
enum class ErrorCode {
  kInvalidArgument,     // the input is malformed or out of range
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing to create exists already
  kPermissionDenied,    // the caller is known but not allowed
  kUnauthenticated,     // a signature, MAC or tag does not verify
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kDataLoss,            // stored data is corrupt or lost
  kUnavailable,         // a service or resource cannot be reached now; retry may help
  kInternal,            // a bug or a failure of a library that should not fail
};

// ErrorCodeName returns the stable lower_snake_case name of |code| ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

// Error is a failure: a code and a one-line message. It never holds secret data.
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // ToString returns "<code name>: <message>".
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

}  // namespace iotsec

#endif  // IOTSEC_COMMON_ERROR_H_
