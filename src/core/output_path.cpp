#include "core/output_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fl {

std::string temp_path_beside(const std::string& final_path) {
  static std::atomic<uint64_t> counter{0};
  std::filesystem::path p(final_path);
  std::string name = "." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1)) + p.extension().string();
  return (p.parent_path() / name).string();
}

Status check_output_directory(const std::string& dir, const std::string& for_path) {
  const std::string d = dir.empty() ? "." : dir;
  struct stat st {};
  if (::stat(d.c_str(), &st) != 0) {
    if (errno == EACCES)
      return permission_denied("cannot write '" + for_path + "': directory '" + d +
                               "' is not accessible");
    return not_found("output directory '" + d + "' does not exist (for '" + for_path + "')");
  }
  if (!S_ISDIR(st.st_mode))
    return invalid_argument("'" + d + "' (for '" + for_path + "') is not a directory");
  if (::access(d.c_str(), W_OK | X_OK) != 0)
    return permission_denied("cannot write '" + for_path + "': directory '" + d +
                             "' is not writable (" + std::strerror(errno) + ")");
  return ok_status();
}

}  // namespace fl
