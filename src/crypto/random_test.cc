// Copyright iotsec authors.
#include "iotsec/crypto/random.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

#include "iotsec/common/bytes.h"
#include "test_vectors.h"

namespace iotsec::crypto {
namespace {

TEST(RandomTest, SystemRngFillsAndDiffers) {
  std::array<uint8_t, 32> a{};
  std::array<uint8_t, 32> b{};
  ASSERT_TRUE(SystemRng().Fill(a).has_value());
  ASSERT_TRUE(SystemRng().Fill(b).has_value());
  EXPECT_NE(a, b);  // fails with probability 2^-256
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
  EXPECT_TRUE(SystemRng().Fill({}).has_value());
  EXPECT_EQ(&SystemRng(), &SystemRng());
}

TEST(RandomTest, SystemRngIsUsableFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<Bytes> out(4, Bytes(64));
  for (auto& o : out) {
    threads.emplace_back([&o] { ASSERT_TRUE(SystemRng().Fill(o).has_value()); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_NE(out[0], out[1]);
}

TEST(RandomTest, TestRngInjectsValuesAndFailures) {
  testing::QueueRng rng;
  rng.Push(Bytes{1, 2});
  Rng& as_base = rng;
  std::array<uint8_t, 2> got{};
  ASSERT_TRUE(as_base.Fill(got).has_value());
  EXPECT_EQ(got[1], 2);
  rng.exhausted_code = ErrorCode::kInternal;
  auto s = as_base.Fill(got);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace iotsec::crypto
