// Copyright iotsec authors.
#include "iotsec/common/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace iotsec {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("iotsec-file-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const char* name) { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(FileTest, WriteAtomicThenRead) {
  Bytes data = {1, 2, 3};
  ASSERT_TRUE(WriteFileAtomic(Path("a"), data, 0600).has_value());
  struct stat st;
  ASSERT_EQ(::stat(Path("a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = ReadFile(Path("a"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, data);
  // Nothing but the file itself is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(FileTest, FailedWriteLeavesNothing) {
  std::string path = Path("missing-dir/x");
  auto st = WriteFileAtomic(path, Bytes{1}, 0600);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 0);
}

TEST_F(FileTest, ReadErrors) {
  auto r = ReadFile(Path("nope"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomic(Path("big"), Bytes(100, 7)).has_value());
  auto big = ReadFile(Path("big"), 99);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kInvalidArgument);
  auto d = ReadFile(dir_.string());
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace iotsec
