// Copyright iotsec authors.
#include "iotsec/common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace iotsec {
namespace {

std::string Errno(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

Status WriteAll(int fd, ByteSpan data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(ErrorCode::kUnavailable, Errno("cannot write", path, errno));
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

Result<OpenedFile> OpenForRead(const std::string& path, size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                Errno("cannot open", path, err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Fail(ErrorCode::kUnavailable, Errno("cannot stat", path, err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument,
                path + " is too large (" + std::to_string(st.st_size) + " octets, at most " +
                    std::to_string(max_size) + ")");
  }
  return OpenedFile{fd, static_cast<size_t>(st.st_size)};
}

Status ReadFully(int fd, uint8_t* out, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return Fail(ErrorCode::kUnavailable, Errno("cannot read", path, err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return Ok();
}

Result<Bytes> ReadFile(const std::string& path, size_t max_size) {
  Bytes out;
  IOTSEC_RETURN_IF_ERROR(ReadFileInto(path, out, max_size));
  return out;
}

Status WriteFileAtomic(const std::string& path, ByteSpan data, mode_t mode) {
  std::random_device rd;
  std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, Errno("cannot create", tmp, errno));
  }
  // The umask may have removed bits; set exactly |mode| (and never more).
  Status st = ::fchmod(fd, mode) == 0
                  ? WriteAll(fd, data, path)
                  : Status(Fail(ErrorCode::kUnavailable, Errno("cannot chmod", tmp, errno)));
  if (st && ::fsync(fd) != 0) {
    st = Fail(ErrorCode::kUnavailable, Errno("cannot fsync", tmp, errno));
  }
  if (::close(fd) != 0 && st) {
    st = Fail(ErrorCode::kUnavailable, Errno("cannot close", tmp, errno));
  }
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Fail(ErrorCode::kUnavailable, Errno("cannot rename to", path, errno));
  }
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  int dfd = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0) {
      return Fail(ErrorCode::kUnavailable, Errno("cannot fsync directory of", path, err));
    }
  }
  return Ok();
}

Status MakeDirectory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0) {
    return Ok();
  }
  int err = errno;
  struct stat st;
  if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Ok();
  }
  return Fail(ErrorCode::kUnavailable, Errno("cannot create directory", path, err));
}

}  // namespace iotsec
