// Footage the server may touch: media roots (directories an admin allowed) and the clips
// registered under them. Every path that reaches the renderer from a request goes through
// resolve(): canonical, inside a root after following symlinks, an existing regular file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framelock/media.h"
#include "framelock/status.h"
#include "store/database.h"

namespace fl::service {

struct MediaItem {
  std::string id;
  std::string path;  // canonical
  MediaInfo info;
  double created = 0;
};

using MediaProbe = std::function<Result<MediaInfo>(const std::string& path)>;

class MediaLibrary {
 public:
  static Result<std::unique_ptr<MediaLibrary>> open(std::shared_ptr<store::Database> db,
                                                    MediaProbe probe);

  Result<std::vector<std::string>> roots() const;
  // An existing directory; stored canonical. Adding one twice is not an error. '/', anything
  // under /proc, /sys or /dev, and a directory inside or around a protected one (the server's
  // data) are refused (permission_denied).
  Result<std::string> add_root(const std::string& dir);
  // not_found when `dir` is no root. Media registered under it become unreachable (gone from
  // list(), not_found from get()) until a root covers them again.
  Status remove_root(const std::string& dir);
  // Directories no root may lie in or contain.
  void protect(std::string dir) { protected_dirs_.push_back(std::move(dir)); }

  // The canonical form of `path` if it names an existing regular file (or, for an image
  // sequence pattern like shot.%04d.exr, a pattern in an existing directory) inside a root;
  // permission_denied when it lies outside every root (also through a symlink), not_found when
  // there is no such file. Relative paths are refused: requests have no working directory.
  Result<std::string> resolve(const std::string& path) const;

  // Probes and records the file; registering the same file again returns the same item.
  Result<MediaItem> register_media(const std::string& path);
  Result<std::vector<MediaItem>> list() const;
  Result<MediaItem> get(const std::string& id) const;  // not_found for unknown ids

 private:
  MediaLibrary(std::shared_ptr<store::Database> db, MediaProbe probe)
      : db_(std::move(db)), probe_(std::move(probe)) {}
  bool reachable(const std::string& path, const std::vector<std::string>& roots_list) const;
  std::shared_ptr<store::Database> db_;
  MediaProbe probe_;
  std::vector<std::string> protected_dirs_;
};

}  // namespace fl::service
