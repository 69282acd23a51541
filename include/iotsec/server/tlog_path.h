// Copyright iotsec authors.
// The resource paths of the C2SP tlog-tiles read API (c2sp.org/tlog-tiles): tile/<L>/<N>[.p/<W>]
// and tile/entries/<N>[.p/<W>], where <N> is written as zero-padded 3-digit path elements, all
// but the last prefixed with "x" (1234067 -> x001/x234/067), and a partial tile of W (1..255)
// hashes or entries has the suffix ".p/<W>".
#ifndef IOTSEC_SERVER_TLOG_PATH_H_
#define IOTSEC_SERVER_TLOG_PATH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iotsec/common/result.h"

namespace iotsec::server {

// kTileWidth is the number of hashes of a full tile and of entries of a full bundle.
inline constexpr size_t kTileWidth = 256;

// TilePath is a parsed tile or entry-bundle path.
struct TilePath {
  bool entries = false;  // tile/entries/...; otherwise a hash tile of |level|
  int level = 0;         // 0..63 (hash tiles only)
  uint64_t index = 0;
  size_t width = kTileWidth;  // 1..256; < 256 for a partial tile

  bool operator==(const TilePath&) const = default;
};

// FormatTileIndex returns <N> in the path encoding, e.g. "x001/x234/067".
std::string FormatTileIndex(uint64_t index);

// FormatTilePath returns "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]".
std::string FormatTilePath(const TilePath& path);

// ParseTilePath parses |path| (starting with "tile/") accepting exactly the canonical encoding
// that FormatTilePath emits. Fails with kInvalidArgument (kNotFound-worthy paths included: a
// non-canonical path names no resource) saying what is wrong.
Result<TilePath> ParseTilePath(std::string_view path);

}  // namespace iotsec::server

#endif  // IOTSEC_SERVER_TLOG_PATH_H_
