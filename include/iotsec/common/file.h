// Copyright iotsec authors.
// Files: bounded reads, and atomic, durable writes (a failed write leaves nothing behind).
#ifndef IOTSEC_COMMON_FILE_H_
#define IOTSEC_COMMON_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "iotsec/common/bytes.h"
#include "iotsec/common/result.h"

namespace iotsec {

// kDefaultMaxFileSize bounds ReadFile unless a caller asks for another bound.
inline constexpr size_t kDefaultMaxFileSize = size_t{64} << 20;

// ReadFile returns the contents of |path|. Fails with kNotFound if it does not exist,
// kInvalidArgument if it is larger than |max_size| or not a regular file, kUnavailable on
// another I/O error. The message names the path.
Result<Bytes> ReadFile(const std::string& path, size_t max_size = kDefaultMaxFileSize);

// ReadFileInto is ReadFile into a caller-provided buffer type (for example SecretBytes, so that
// a secret file never passes through a non-zeroizing buffer). |Buffer| needs resize(), data().
template <typename Buffer>
Status ReadFileInto(const std::string& path, Buffer& out, size_t max_size = kDefaultMaxFileSize);

// WriteFileAtomic writes |data| to |path| with permission bits |mode|: into a temporary file in
// the same directory, created with |mode| from the start, fsync'd, renamed over |path|, and the
// directory fsync'd. On success |path| holds exactly |data| and survives a crash; on failure
// |path| is unchanged and the temporary file is removed.
Status WriteFileAtomic(const std::string& path, ByteSpan data, mode_t mode = 0644);

// MakeDirectory creates |path| (one level) with |mode|; succeeds if it already is a directory.
Status MakeDirectory(const std::string& path, mode_t mode = 0755);

// Internal: opens and sizes a file for ReadFileInto. Returns the open descriptor and size.
struct OpenedFile {
  int fd;
  size_t size;
};
Result<OpenedFile> OpenForRead(const std::string& path, size_t max_size);
Status ReadFully(int fd, uint8_t* out, size_t size, const std::string& path);

template <typename Buffer>
Status ReadFileInto(const std::string& path, Buffer& out, size_t max_size) {
  IOTSEC_TRY(f, OpenForRead(path, max_size));
  out.resize(f.size);
  return ReadFully(f.fd, out.data(), f.size, path);
}

}  // namespace iotsec

#endif  // IOTSEC_COMMON_FILE_H_
