#include "provenance/c2pa/file_bytes.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/output_path.h"

namespace fl::c2pa {

Result<std::string> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read '{}'", path), path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return io_error(fmt::format("cannot read '{}'", path));
  return s.str();
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return io_error(fmt::format("cannot write '{}'", tmp));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) ::chmod(tmp.c_str(), st.st_mode & 07777);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return io_error(fmt::format("cannot move the signed file into '{}'", path));
  }
  return ok_status();
}

}  // namespace fl::c2pa
