// Copyright iotsec authors.
#include "iotsec/device/swtpm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace iotsec::device {
namespace {

// BindLocal binds a TCP socket to 127.0.0.1:|port| (0: any) and returns it, or -1.
int BindLocal(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// PickPortPair returns a port P such that P and P + 1 are free now, or 0.
uint16_t PickPortPair() {
  for (int i = 0; i < 20; ++i) {
    const int fd = BindLocal(0);
    if (fd < 0) {
      return 0;
    }
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const uint16_t port = ntohs(a.sin_port);
    const int next = port < 65535 ? BindLocal(static_cast<uint16_t>(port + 1)) : -1;
    ::close(fd);
    if (next >= 0) {
      ::close(next);
      return port;
    }
  }
  return 0;
}

// Accepts is true when something accepts a TCP connection on 127.0.0.1:|port|.
bool Accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string FindExecutable(std::string_view name) {
  const char* env = ::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    if (end > start) {
      const std::string full = path.substr(start, end - start) + "/" + std::string(name);
      if (::access(full.c_str(), X_OK) == 0) {
        return full;
      }
    }
    start = end + 1;
  }
  return "";
}

Status Swtpm::Start(const std::string& binary, const std::string& state_dir,
                    const std::string& log_path, bool startup) {
  Stop();
  ::mkdir(state_dir.c_str(), 0700);
  Status last = Fail(ErrorCode::kUnavailable, "swtpm: no two consecutive free ports");
  for (int attempt = 0; attempt < 5; ++attempt) {
    const uint16_t port = PickPortPair();
    if (port == 0) {
      continue;
    }
    last = Launch(binary, state_dir, log_path, port, startup);
    if (last) {
      port_ = port;
      return Ok();
    }
  }
  return last;
}

void Swtpm::Stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string Swtpm::Tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

Status Swtpm::Launch(const std::string& binary, const std::string& state_dir,
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
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return Fail(ErrorCode::kUnavailable, "swtpm: fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls here (the parent may have other threads). Die with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int null = ::open("/dev/null", O_RDONLY);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    if (null >= 0) {
      ::dup2(null, 0);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Fail(ErrorCode::kUnavailable, "swtpm exited early (status " +
                                               std::to_string(status) + "), see " + log_path);
    }
    if (Accepts(port) && Accepts(static_cast<uint16_t>(port + 1))) {
      return Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return Fail(ErrorCode::kUnavailable,
              "swtpm did not accept connections within 10 s, see " + log_path);
}

}  // namespace iotsec::device
