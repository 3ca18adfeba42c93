// Footage the server may touch: media roots (directories an admin allowed, each owned by one
// project) and the clips registered under them. Every path that reaches the renderer from a
// request goes through resolve(): canonical, inside a root of the request's project after
// following symlinks, an existing regular file. Two projects' roots never overlap, so a file
// belongs to one project at most: the project of the root that holds it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
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
  std::string project;  // the project whose root holds it
};

struct MediaRoot {
  std::string path;  // canonical
  std::string project;
};

struct ResolvedPath {
  std::string path;  // canonical
  std::string project;
};

using MediaProbe = std::function<Result<MediaInfo>(const std::string& path)>;
// Which projects' roots a lookup may use (the caller's); null: every project.
using ProjectFilter = std::function<bool(const std::string& project)>;

class MediaLibrary {
 public:
  static Result<std::unique_ptr<MediaLibrary>> open(std::shared_ptr<store::Database> db,
                                                    MediaProbe probe);

  Result<std::vector<MediaRoot>> roots(const ProjectFilter& projects = nullptr) const;
  // An existing directory; stored canonical, owned by `project`. Adding one twice is not an
  // error. '/', anything under /proc, /sys or /dev, and a directory inside or around a protected
  // one (the server's data) are refused (permission_denied); a directory inside or around
  // another project's root is a conflict (naming no other project: ids do not leak).
  Result<std::string> add_root(const std::string& project, const std::string& dir);
  // The root `dir` names (not_found when none).
  Result<MediaRoot> find_root(const std::string& dir) const;
  // not_found when `dir` is no root. Media registered under it become unreachable (gone from
  // list(), not_found from get()) until a root covers them again.
  Status remove_root(const std::string& dir);
  // Directories no root may lie in or contain.
  void protect(std::string dir) { protected_dirs_.push_back(std::move(dir)); }

  // The canonical form of `path` if it names an existing regular file (or, for an image
  // sequence pattern like shot.%04d.exr, a pattern in an existing directory) inside a root;
  // permission_denied when it lies outside every root of `project` (also through a symlink),
  // not_found when there is no such file there. Relative paths are refused: requests have no
  // working directory.
  Result<std::string> resolve(const std::string& path, const std::string& project) const;
  // The same over the roots of every project `projects` lets through: the path and the project
  // that holds it. A file in a root the filter hides answers as one outside every root.
  Result<ResolvedPath> locate(const std::string& path, const ProjectFilter& projects) const;

  // Probes and records a file of `project`; registering the same file again returns the same
  // item.
  Result<MediaItem> register_media(const std::string& project, const std::string& path);
  // The item registered for `path` in `project`, or nullopt when the file is not registered.
  Result<std::optional<MediaItem>> find(const std::string& project, const std::string& path) const;
  Result<std::vector<MediaItem>> list(const ProjectFilter& projects = nullptr) const;
  Result<MediaItem> get(const std::string& id) const;  // not_found for unknown ids

 private:
  MediaLibrary(std::shared_ptr<store::Database> db, MediaProbe probe)
      : db_(std::move(db)), probe_(std::move(probe)) {}
  static const MediaRoot* root_of(const std::string& path, const std::vector<MediaRoot>& roots);
  std::shared_ptr<store::Database> db_;
  MediaProbe probe_;
  std::vector<std::string> protected_dirs_;
};

}  // namespace fl::service
