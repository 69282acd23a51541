// Copyright iotsec authors.
// Test helpers of the TPM tests: a temporary directory for the software TPM's state (the TPM
// itself is device::Swtpm, include/iotsec/device/swtpm.h).
#ifndef IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_
#define IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <system_error>
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

}  // namespace iotsec::device::testing

#endif  // IOTSEC_DEVICE_SWTPM_TEST_UTIL_H_
