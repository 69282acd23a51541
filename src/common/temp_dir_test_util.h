// Copyright iotsec authors.
// TempDir, for tests: a fresh private directory, removed with everything in it when the test
// is done with it, whether the test passed or not.
#ifndef IOTSEC_COMMON_TEMP_DIR_TEST_UTIL_H_
#define IOTSEC_COMMON_TEMP_DIR_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace iotsec::testing {

// TempDir is a fresh directory (mode 0700) under GoogleTest's temporary directory, removed with
// its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/iotsec-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr) << "cannot create " << tmpl;
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // path is the directory.
  const std::string& path() const { return path_; }
  // Sub returns a path inside the directory (not created).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace iotsec::testing

#endif  // IOTSEC_COMMON_TEMP_DIR_TEST_UTIL_H_
