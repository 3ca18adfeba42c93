#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace fl {
namespace {

Status errno_status(int err, std::string_view what, const std::string& path) {
  std::string msg = std::string(what) + " '" + path + "': " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return not_found(std::move(msg));
  if (err == EACCES || err == EPERM || err == EROFS) return permission_denied(std::move(msg));
  return io_error(std::move(msg));
}

// RAII for a POSIX descriptor; the readers and writers have several early returns.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> read_text_file(const std::string& path, size_t max_bytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_status(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_status(errno, "cannot stat", path);
  if (S_ISDIR(st.st_mode)) return invalid_argument("'" + path + "' is a directory, not a file");
  if (st.st_size > 0 && size_t(st.st_size) > max_bytes) {
    return unsupported("'" + path + "' is too large (" + std::to_string(st.st_size) + " bytes)");
  }
  std::string data;
  data.reserve(size_t(std::max<off_t>(st.st_size, 0)));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "cannot read", path);
    }
    if (n == 0) break;
    if (data.size() + size_t(n) > max_bytes) {
      return unsupported("'" + path + "' is too large (over " + std::to_string(max_bytes) +
                         " bytes)");
    }
    data.append(buf, size_t(n));
  }
  return data;
}

Status write_file_atomic(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  Fd f{::mkstemp(tmpl.data())};
  if (f.fd < 0) return errno_status(errno, "cannot create temporary file for", path);
  auto fail = [&](int err, std::string_view what) {
    ::unlink(tmpl.c_str());
    return errno_status(err, what, path);
  };
  // mkstemp makes 0600 files; LUTs and CDLs are shared with other tools, so use the umask.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(f.fd, 0666 & ~mask);
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(f.fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "cannot write");
    }
    p += n;
    left -= size_t(n);
  }
  if (::fsync(f.fd) != 0) return fail(errno, "cannot flush");
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) return fail(errno, "cannot close");
  if (::rename(tmpl.c_str(), path.c_str()) != 0)
    return fail(errno, "cannot rename temporary file to");
  return ok_status();
}

void append_number(std::string& out, float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, double v) {
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

int line_of_offset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + int(std::count(text.begin(), text.begin() + std::ptrdiff_t(offset), '\n'));
}

}  // namespace fl
