// Copyright iotsec authors.
#include "iotsec/server/tlog_path.h"

#include <gtest/gtest.h>

namespace iotsec::server {
namespace {

// The examples of c2sp.org/tlog-tiles: index 1234067 is x001/x234/067.
TEST(TlogPath, FormatsSpecExamples) {
  EXPECT_EQ(FormatTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(FormatTileIndex(0), "000");
  EXPECT_EQ(FormatTileIndex(999), "999");
  EXPECT_EQ(FormatTileIndex(1000), "x001/000");
  EXPECT_EQ(FormatTilePath({false, 0, 1234067, 256}), "tile/0/x001/x234/067");
  EXPECT_EQ(FormatTilePath({false, 2, 5, 17}), "tile/2/005.p/17");
  EXPECT_EQ(FormatTilePath({true, 0, 1, 256}), "tile/entries/001");
  EXPECT_EQ(FormatTilePath({true, 0, 0, 3}), "tile/entries/000.p/3");
}

TEST(TlogPath, RoundTrips) {
  for (uint64_t index :
       {uint64_t{0}, uint64_t{1}, uint64_t{999}, uint64_t{1000}, uint64_t{1234067}, UINT64_MAX}) {
    for (size_t width : {size_t{1}, size_t{255}, size_t{256}}) {
      for (bool entries : {false, true}) {
        TilePath p{entries, entries ? 0 : 3, index, width};
        auto parsed = ParseTilePath(FormatTilePath(p));
        ASSERT_TRUE(parsed.has_value()) << FormatTilePath(p) << parsed.error().ToString();
        EXPECT_EQ(*parsed, p);
      }
    }
  }
}

TEST(TlogPath, RejectsNonCanonical) {
  for (const char* bad : {"tile",
                          "tile/0",
                          "tile/0/",
                          "tile/00/000",
                          "tile/64/000",
                          "tile/0/1",
                          "tile/0/0000",
                          "tile/0/001/002",
                          "tile/0/x000/001",
                          "tile/0/x001",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/07",
                          "tile/0/000.p/",
                          "tile/0/000.p",
                          "tile/entries/000.p/x",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",
                          "tile/0/x001/x002/x003/x004/x005/x006/x007/008",
                          "tile/-1/000",
                          "tile/0/0a0",
                          "tiles/0/000",
                          "tile/0/000/"}) {
    auto r = ParseTilePath(bad);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace iotsec::server
