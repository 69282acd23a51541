// Copyright iotsec authors.
// Synthetic ledger workloads for `iotsec ledger load` (over HTTP) and `iotsec ledger bench`
// (in process): manufacturer organizations with fresh keys, their admissions, and device births
// (one device per record, or thousands per record), all validly signed.
#ifndef IOTSEC_TOOLS_IOTSEC_LEDGER_WORKLOAD_H_
#define IOTSEC_TOOLS_IOTSEC_LEDGER_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"
#include "iotsec/ledger/record.h"

namespace iotsec::cli {

// LoadOrg is a workload organization: its signer and the sequence number of its next record.
struct LoadOrg {
  ledger::OrgSigner signer;
  uint64_t next_seq = 1;
};

// LoadOrgs makes |count| manufacturer organizations on ledger |origin| with fresh Ed25519 keys,
// ids "<prefix>-<i>" (i from 0). |prefix| must make valid organization ids.
Result<std::vector<LoadOrg>> MakeLoadOrgs(std::string_view origin, std::string_view prefix,
                                          size_t count);

// RandomPrefix returns "<word>-<8 random hex digits>", so that runs against one ledger do not
// collide.
Result<std::string> RandomPrefix(std::string_view word);

// AttestationKeyPool is a small set of valid P-256 public keys that synthetic devices share
// (generating a key per device would dominate the time of a million births).
Result<std::vector<ledger::AttestationKey>> AttestationKeyPool(size_t count);

// AdmissionRecord returns the admission of |org| as a manufacturer, signed by |admitter| with
// sequence number |seq|.
Result<Bytes> AdmissionRecord(const ledger::OrgSigner& admitter, uint64_t seq,
                              const ledger::OrgSigner& org);

// BirthRecord returns the birth of |count| devices of |org| (serials "<serial_prefix><n>" for
// n = first .. first + count - 1, zero-padded to 10 digits), signed with |org|'s next sequence
// number, which it advances. Keys are taken round-robin from |keys|.
Result<Bytes> BirthRecord(LoadOrg& org, std::string_view serial_prefix, uint64_t first,
                          size_t count, const std::vector<ledger::AttestationKey>& keys);

// DeviceSerial returns the serial BirthRecord gives device |n|.
std::string DeviceSerial(std::string_view serial_prefix, uint64_t n);

}  // namespace iotsec::cli

#endif  // IOTSEC_TOOLS_IOTSEC_LEDGER_WORKLOAD_H_
