// Copyright iotsec authors.
// c2sp.org/tlog-tiles path encoding.
#include "iotsec/server/tlog_path.h"

#include <cstdio>
#include <vector>

namespace iotsec::server {
namespace {

Status Bad(std::string_view path, const std::string& why) {
  return Fail(ErrorCode::kInvalidArgument, "bad tile path \"" + std::string(path) + "\": " + why);
}

// ParseSmall parses a decimal number of 1..3 digits without leading zeros (canonical).
bool ParseSmall(std::string_view s, unsigned* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) {
    return false;
  }
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseThree(std::string_view s, unsigned* out) {
  if (s.size() != 3) {
    return false;
  }
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t slash = s.find('/');
    out.push_back(s.substr(0, slash));
    if (slash == std::string_view::npos) {
      return out;
    }
    s.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string FormatTileIndex(uint64_t index) {
  std::vector<unsigned> groups;
  do {
    groups.push_back(static_cast<unsigned>(index % 1000));
    index /= 1000;
  } while (index > 0);
  std::string out;
  for (size_t i = groups.size(); i-- > 0;) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%s%03u", i > 0 ? "x" : "", groups[i]);
    out += buf;
    if (i > 0) {
      out += '/';
    }
  }
  return out;
}

std::string FormatTilePath(const TilePath& path) {
  std::string out = path.entries ? "tile/entries/" : "tile/" + std::to_string(path.level) + "/";
  out += FormatTileIndex(path.index);
  if (path.width < kTileWidth) {
    out += ".p/" + std::to_string(path.width);
  }
  return out;
}

Result<TilePath> ParseTilePath(std::string_view path) {
  if (path.size() > 256) {
    return Unexpected(Bad(path.substr(0, 64), "too long").error());
  }
  std::vector<std::string_view> parts = Split(path);
  TilePath out;
  if (parts.size() < 3 || parts[0] != "tile") {
    return Unexpected(Bad(path, "want tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]").error());
  }
  if (parts[1] == "entries") {
    out.entries = true;
  } else {
    unsigned level = 0;
    if (!ParseSmall(parts[1], &level) || level > 63) {
      return Unexpected(Bad(path, "level must be 0..63").error());
    }
    out.level = static_cast<int>(level);
  }
  size_t end = parts.size();
  // A partial tile: the last element of <N> ends in ".p" and is followed by <W>.
  if (parts[end - 2].size() > 2 && parts[end - 2].ends_with(".p")) {
    unsigned width = 0;
    if (!ParseSmall(parts[end - 1], &width) || width < 1 || width >= kTileWidth) {
      return Unexpected(Bad(path, "partial width must be 1..255").error());
    }
    out.width = width;
    parts[end - 2].remove_suffix(2);
    --end;
  }
  const size_t first = 2;
  if (end - first > 7) {  // 2^64 has 20 digits: at most 7 groups
    return Unexpected(Bad(path, "index too long").error());
  }
  uint64_t index = 0;
  for (size_t i = first; i < end; ++i) {
    std::string_view el = parts[i];
    const bool last = i + 1 == end;
    if (!last) {
      if (el.empty() || el[0] != 'x') {
        return Unexpected(Bad(path, "index elements but the last start with 'x'").error());
      }
      el.remove_prefix(1);
    }
    unsigned group = 0;
    if (!ParseThree(el, &group)) {
      return Unexpected(Bad(path, "index elements are three digits").error());
    }
    if (i == first && group == 0 && !last) {
      return Unexpected(Bad(path, "index has a leading zero element").error());
    }
    if (index > (UINT64_MAX - group) / 1000) {
      return Unexpected(Bad(path, "index exceeds 2^64 - 1").error());
    }
    index = index * 1000 + group;
  }
  out.index = index;
  return out;
}

}  // namespace iotsec::server
