// Copyright iotsec authors.
// Test helpers: a temporary directory, and a software TPM 2.0 (swtpm) on free local ports that
// is killed again when the helper goes out of scope, whether the test passed or not.
#ifndef IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_
#define IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace iotsec::device::testing {

// TempDir is a fresh directory, removed with its contents at destruction.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string tmpl = std::filesystem::temp_directory_path(ec).string() + "/iotsec-device-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) {
      path_ = buf.data();
    }
  }
  ~TempDir() {
    if (!path_.empty()) {
      nftw(
          path_.c_str(),
          [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
          FTW_DEPTH | FTW_PHYS);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // path is the directory ("" if it could not be created).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// FindExecutable returns the full path of |name| on $PATH, or "" if there is none.
inline std::string FindExecutable(const std::string& name) {
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) {
      end = dirs.size();
    }
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string full = dir + "/" + name;
      if (access(full.c_str(), X_OK) == 0) {
        return full;
      }
    }
    start = end + 1;
  }
  return "";
}

// Swtpm runs `swtpm socket --tpm2` on a state directory, on two consecutive free TCP ports of
// 127.0.0.1 (the TCTI's convention: the command port P and the control port P + 1), already
// by default already started (TPM2_Startup(CLEAR)).
class Swtpm {
 public:
  Swtpm() = default;
  ~Swtpm() { Stop(); }
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  // Start launches swtpm (|binary|) on |state_dir| (created if missing), logging to |log_path|;
  // with |startup| false the TPM waits for TPM2_Startup, as after a platform reset. Returns ""
  // on success, else what went wrong. It retries on other ports if swtpm exits before it
  // accepts connections (another process took a port in between).
  std::string Start(const std::string& binary, const std::string& state_dir,
                    const std::string& log_path, bool startup = true) {
    Stop();
    mkdir(state_dir.c_str(), 0700);
    std::string last_error;
    for (int attempt = 0; attempt < 5; ++attempt) {
      uint16_t port = PickPortPair();
      if (port == 0) {
        last_error = "no two consecutive free ports";
        continue;
      }
      last_error = Launch(binary, state_dir, log_path, port, startup);
      if (last_error.empty()) {
        port_ = port;
        return "";
      }
    }
    return last_error;
  }

  // Stop terminates swtpm (SIGTERM, then SIGKILL after 5 s) and reaps it; a no-op if not running.
  void Stop() {
    if (pid_ <= 0) {
      return;
    }
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Tcti is the TCTI configuration string that reaches this swtpm.
  std::string Tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

 private:
  // BindLocal binds a TCP socket to 127.0.0.1:|port| (0: any) and returns it, or -1.
  static int BindLocal(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      return -1;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  // PickPortPair returns a port P such that P and P + 1 are free now, or 0.
  static uint16_t PickPortPair() {
    for (int i = 0; i < 20; ++i) {
      int fd = BindLocal(0);
      if (fd < 0) {
        return 0;
      }
      sockaddr_in a{};
      socklen_t len = sizeof(a);
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      uint16_t port = ntohs(a.sin_port);
      if (port < 65535) {
        int fd2 = BindLocal(port + 1);
        if (fd2 >= 0) {
          close(fd2);
          close(fd);
          return port;
        }
      }
      close(fd);
    }
    return 0;
  }

  // Accepts is true when something accepts a TCP connection on 127.0.0.1:|port|.
  static bool Accepts(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      return false;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    return ok;
  }

  // Launch starts swtpm on |port| and waits (up to 10 s) until both ports accept.
  std::string Launch(const std::string& binary, const std::string& state_dir,
                     const std::string& log_path, uint16_t port, bool startup) {
    std::vector<std::string> args = {binary,
                                     "socket",
                                     "--tpm2",
                                     "--tpmstate",
                                     "dir=" + state_dir,
                                     "--server",
                                     "type=tcp,bindaddr=127.0.0.1,port=" + std::to_string(port),
                                     "--ctrl",
                                     "type=tcp,bindaddr=127.0.0.1,port=" + std::to_string(port + 1),
                                     "--flags",
                                     startup ? "not-need-init,startup-clear" : "not-need-init"};
    std::vector<char*> argv;
    for (std::string& s : args) {
      argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      return "fork failed";
    }
    if (pid == 0) {
      // Only async-signal-safe calls here. Die with the test process.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) {
        _exit(127);
      }
      int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      int null = open("/dev/null", O_RDONLY);
      if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
      }
      if (null >= 0) {
        dup2(null, 0);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "swtpm exited early (status " + std::to_string(status) + "), see " + log_path;
      }
      if (Accepts(port) && Accepts(static_cast<uint16_t>(port + 1))) {
        return "";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Stop();
    return "swtpm did not accept connections within 10 s, see " + log_path;
  }

  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace iotsec::device::testing

#endif  // IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_
