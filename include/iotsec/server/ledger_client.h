// Copyright iotsec authors.
// LedgerClient: a small HTTP client of one ledger node's API (doc/api.md), for the tools that
// write records (`iotsec ledger admit`, `birth`, ...) and read a device's state. It speaks
// plain HTTP to one node URL "http://HOST:PORT" over cpp-httplib, with keep-alive and 10 s
// connect, read and write timeouts.
//
// What it returns is what the node said; it checks only the shape of the answers. A reader
// that must not trust the node verifies the answers itself (checkpoint signatures and
// inclusion proofs: ledger/checkpoint.h, ledger/merkle.h).
#ifndef IOTSEC_SERVER_LEDGER_CLIENT_H_
#define IOTSEC_SERVER_LEDGER_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/server/ledger_node.h"

namespace iotsec::server {

// kClientTimeoutSeconds is the connect, read and write timeout of a LedgerClient.
inline constexpr int kClientTimeoutSeconds = 10;
// kMaxAnswerBytes is the default bound on the body of one answer of the node (the largest, a
// device state whose birth record is a full batch, is about 32 MiB of hex).
inline constexpr size_t kMaxAnswerBytes = size_t{64} << 20;

// LedgerClient talks to one ledger node. Movable, not copyable; one object must not be used
// from several threads at once (make one per thread).
//
// Errors of every call: kUnavailable when the node cannot be reached, times out, answers
// something that is not this API (the message gives the HTTP status) or answers more than the
// size bound; a JSON error answer of the node (doc/api.md "Errors") comes back with the
// ErrorCode of its "error" name and the node's message (control characters replaced by '?',
// at most 1000 octets); kDataLoss when a success answer does not have the documented shape.
class LedgerClient {
 public:
  // Create returns a client of the node at |url|: "http://HOST:PORT" (HOST a name, an IPv4
  // address or a bracketed IPv6 address; PORT 1..65535; an optional trailing "/"). No
  // connection is made yet. Answers longer than |max_answer_bytes| are cut off and fail with
  // kUnavailable. Fails with kInvalidArgument for another scheme (https included: not
  // supported) or any other form.
  static Result<LedgerClient> Create(std::string_view url,
                                     size_t max_answer_bytes = kMaxAnswerBytes);

  LedgerClient(LedgerClient&&) noexcept;
  LedgerClient& operator=(LedgerClient&&) noexcept;
  LedgerClient(const LedgerClient&) = delete;
  LedgerClient& operator=(const LedgerClient&) = delete;
  ~LedgerClient();

  // url returns the node URL as given to Create (without a trailing "/").
  const std::string& url() const;

  // Checkpoint returns the text of GET /checkpoint: the node's latest signed checkpoint note,
  // not verified here.
  Result<std::string> Checkpoint();

  // Origin returns the ledger origin: the first line of the checkpoint. kDataLoss when that
  // line is not a valid origin (ledger::CheckOrigin).
  Result<std::string> Origin();

  // NextSeq returns the sequence number that the next record of organization |org| must carry
  // (GET /v1/ledger/orgs/<org>, "next_seq"). kInvalidArgument for a malformed org id (checked
  // before sending), kNotFound for an organization the ledger never admitted.
  Result<uint64_t> NextSeq(std::string_view org);

  // Submit sends |record| (a signed record's octets) to POST /v1/ledger/records and returns
  // where it landed once the node has committed it. A refusal comes back with the node's code
  // (state.h: kInvalidArgument, kUnauthenticated, kPermissionDenied, kFailedPrecondition, ...)
  // and message. kInvalidArgument without sending for an empty record.
  Result<SubmitResult> Submit(ByteSpan record);

  // DeviceStateJson returns the JSON text of GET /v1/ledger/devices/<device_id> (the device's
  // state with proofs), checked only to be a JSON object. kInvalidArgument for a malformed
  // device id (checked before sending), kNotFound for a device no birth record names.
  Result<std::string> DeviceStateJson(std::string_view device_id);

 private:
  struct Impl;
  explicit LedgerClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_LEDGER_CLIENT_H_
