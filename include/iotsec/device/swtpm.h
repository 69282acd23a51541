// Copyright iotsec authors.
// A software TPM 2.0 process (swtpm) for the demo and the tests: the real TPM 2.0 command
// interface, reached through tpm2-tss's swtpm TCTI, with no hardware. Not for devices in the
// field, whose TPM is a chip (attestation.h, OpenTpmAttestationKey).
#ifndef IOTSEC_DEVICE_SWTPM_H_
#define IOTSEC_DEVICE_SWTPM_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "iotsec/common/result.h"

namespace iotsec::device {

// FindExecutable returns the full path of executable |name| on $PATH ("/usr/bin:/bin" when
// $PATH is unset), or "" if there is none.
std::string FindExecutable(std::string_view name);

// Swtpm runs `swtpm socket --tpm2` on a state directory and two consecutive free TCP ports of
// 127.0.0.1 (the TCTI's convention: the command port P and the control port P + 1), and stops
// it when destroyed. The process is killed too if this one dies first (PR_SET_PDEATHSIG).
class Swtpm {
 public:
  Swtpm() = default;
  ~Swtpm() { Stop(); }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  // Start launches |binary| on |state_dir| (created if missing), its output appended to
  // |log_path|, and waits (up to 10 s) until both ports accept connections. With |startup| the
  // TPM is started (TPM2_Startup(CLEAR)); without, it waits for TPM2_Startup, as after a
  // platform reset. It tries other ports if swtpm exits first (another process took a port in
  // between). Fails with kUnavailable, naming the log.
  Status Start(const std::string& binary, const std::string& state_dir,
               const std::string& log_path, bool startup = true);

  // Stop terminates swtpm (SIGTERM, then SIGKILL after 5 s) and reaps it; a no-op if it is not
  // running.
  void Stop();

  // Tcti is the tpm2-tss TCTI configuration that reaches this swtpm.
  std::string Tcti() const;

 private:
  Status Launch(const std::string& binary, const std::string& state_dir,
                const std::string& log_path, uint16_t port, bool startup);

  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace iotsec::device

#endif  // IOTSEC_DEVICE_SWTPM_H_
