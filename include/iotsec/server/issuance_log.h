// Copyright iotsec authors.
// SqliteIssuanceLog: the durable issuance log of an MNO or SP provisioning service
// (doc/protocol/onboarding.md §3.3, steps 4 and 5). One SQLite file per service records every
// (device id, key period) the service issued credentials for, so that a replayed request or a
// second device presenting an identity already provisioned in the period is refused, also after
// a restart or a crash. The schema is described at the top of src/server/issuance_log.cc.
#ifndef IOTSEC_SERVER_ISSUANCE_LOG_H_
#define IOTSEC_SERVER_ISSUANCE_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "iotsec/common/result.h"
#include "iotsec/ibc/identity.h"
#include "iotsec/onboard/provision.h"

namespace iotsec::server {

// kMaxIssuanceDeviceIdSize bounds the device ids the log accepts (octets).
inline constexpr size_t kMaxIssuanceDeviceIdSize = 1024;
// kMaxIssuanceServiceIdSize bounds the service id a log file is bound to (octets).
inline constexpr size_t kMaxIssuanceServiceIdSize = 256;

// SqliteIssuanceLog keeps the issuance log in an SQLite database in WAL mode with
// synchronous=FULL: once Claim returned Ok, the claim survives a crash of the process or of the
// machine. Concurrent Claim calls are committed together (group commit): one caller at a time
// writes the claims of all callers waiting behind it in one transaction, and every caller
// returns only once the transaction holding its claim is committed. Thread-safe. Other
// processes may open the same file (SQLite's locking serializes them; a busy database is
// waited for up to a few seconds).
class SqliteIssuanceLog final : public onboard::IssuanceLog {
 public:
  // Open opens the issuance log of service |service_id| in the file |path|, creating the file
  // and its schema if the file does not exist or is empty. The caller owns the returned log.
  // Fails with kInvalidArgument for an empty or oversized |service_id| or one with a control
  // character, and for a file that is not an issuance log (not an SQLite database, or one of
  // another application); kFailedPrecondition for the log of another service or one written by a
  // newer schema version; kDataLoss for a log whose schema or metadata is damaged;
  // kUnavailable when the file cannot be opened or written. A refused file is left unchanged.
  static Result<std::unique_ptr<SqliteIssuanceLog>> Open(const std::string& path,
                                                         std::string_view service_id);

  // ~SqliteIssuanceLog closes the database. No Claim may be running.
  ~SqliteIssuanceLog() override;
  SqliteIssuanceLog(const SqliteIssuanceLog&) = delete;
  SqliteIssuanceLog& operator=(const SqliteIssuanceLog&) = delete;

  // Claim durably records that |device_id| is provisioned in |period| and returns Ok once the
  // record is committed to disk. Fails with kAlreadyExists if the identity was already claimed
  // in the period (by an earlier or a concurrent caller), naming the device, the period and when
  // it was first issued (UTC, ISO 8601); kInvalidArgument for an empty, oversized or NUL-holding
  // device id or an invalid period; kUnavailable when the database cannot be written (nothing
  // is recorded then).
  Status Claim(std::string_view device_id, const ibc::KeyPeriod& period) override;

  // Release deletes the claim of |device_id| in |period| (an issuance that failed after its
  // claim). It does nothing for an identity not claimed. If the database cannot be written the
  // claim stays, and the identity stays refused: the log fails closed.
  void Release(std::string_view device_id, const ibc::KeyPeriod& period) override;

  // Count returns the number of claims recorded. kUnavailable if the database cannot be read.
  Result<uint64_t> Count();

  // IssuedAt returns when |device_id| was claimed in |period| ("YYYY-MM-DDTHH:MM:SSZ", UTC), or
  // std::nullopt if it was not. kInvalidArgument for an invalid device id or period,
  // kUnavailable if the database cannot be read.
  Result<std::optional<std::string>> IssuedAt(std::string_view device_id,
                                              const ibc::KeyPeriod& period);

  // transactions returns how many write transactions Claim has committed through this object
  // (fewer than its successful claims when group commit batched them); for monitoring.
  uint64_t transactions() const;

 private:
  struct Impl;
  explicit SqliteIssuanceLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_ISSUANCE_LOG_H_
