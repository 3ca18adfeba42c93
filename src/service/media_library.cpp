#include "service/media_library.h"

#include <sys/stat.h>

#include <chrono>

#include <filesystem>
#include "core/clock.h"

#include "core/json_text.h"
#include "security/token_store.h"
#include "service/json_views.h"

namespace fl::service {

namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& p, const fs::path& root) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

bool is_sequence_pattern(const std::string& name) {
  return name.find('%') != std::string::npos || name.find('#') != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<MediaLibrary>> MediaLibrary::open(std::shared_ptr<store::Database> db,
                                                         MediaProbe probe) {
  FL_RETURN_IF_ERROR(db->exec_script(
      "CREATE TABLE IF NOT EXISTS media_roots(path TEXT PRIMARY KEY, project TEXT NOT NULL "
      "DEFAULT 'default');"
      "CREATE TABLE IF NOT EXISTS media(id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, info TEXT "
      "NOT NULL, created REAL NOT NULL);"));
  // Roots added before projects belong to the default project.
  FL_ASSIGN_OR_RETURN(auto columns, db->query("PRAGMA table_info(media_roots)"));
  bool has_project = false;
  for (const auto& c : columns) has_project = has_project || c.text(1) == "project";
  if (!has_project)
    FL_RETURN_IF_ERROR(
        db->exec("ALTER TABLE media_roots ADD COLUMN project TEXT NOT NULL DEFAULT 'default'"));
  return std::unique_ptr<MediaLibrary>(new MediaLibrary(std::move(db), std::move(probe)));
}

Result<std::vector<MediaRoot>> MediaLibrary::roots(const ProjectFilter& projects) const {
  FL_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT path, project FROM media_roots ORDER BY path"));
  std::vector<MediaRoot> out;
  for (const auto& r : rows)
    if (!projects || projects(r.text(1))) out.push_back({r.text(0), r.text(1)});
  return out;
}

Result<std::string> MediaLibrary::add_root(const std::string& project, const std::string& dir) {
  std::error_code ec;
  fs::path canon = fs::canonical(dir, ec);
  if (ec) return not_found("media root '" + dir + "' does not exist", "path");
  if (!fs::is_directory(canon, ec))
    return invalid_argument("media root '" + dir + "' is not a directory", "path");
  // The whole machine, the kernel's and the devices' pseudo-files are never footage; nor is the
  // server's own data (tokens, the audit log), nor anything that holds it.
  if (canon == canon.root_path())
    return permission_denied("'/' cannot be a media root: name the footage's own directory");
  for (const char* system : {"/proc", "/sys", "/dev"})
    if (inside(canon, system))
      return permission_denied("'" + canon.string() + "' cannot be a media root (" + system +
                               " is the system's)");
  for (const auto& own : protected_dirs_)
    if (inside(canon, own) || inside(own, canon))
      return permission_denied("'" + canon.string() +
                               "' cannot be a media root: it holds the server's data directory");
  Status s = db_->transaction([&]() -> Status {
    FL_ASSIGN_OR_RETURN(auto all, roots());
    for (const auto& r : all) {
      if (r.path == canon.string() && r.project == project) return Status();  // added before
      // One file, one project: otherwise a member of one show could read another's footage.
      if (inside(canon, r.path) || inside(r.path, canon))
        return conflict("'" + canon.string() +
                            "' lies inside or around another project's media root: a file "
                            "belongs to one project",
                        "path");
    }
    return db_->exec("INSERT INTO media_roots(path, project) VALUES(?, ?)",
                     {canon.string(), project});
  });
  if (!s.ok()) return s;
  return canon.string();
}

Result<MediaRoot> MediaLibrary::find_root(const std::string& dir) const {
  std::error_code ec;
  fs::path canon = fs::weakly_canonical(dir, ec);
  const std::string key = ec ? dir : canon.string();
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT path, project FROM media_roots WHERE "
                                               "path = ?",
                                               {key}));
  if (!row) return not_found("'" + dir + "' is not a media root", "path");
  return MediaRoot{row->text(0), row->text(1)};
}

Status MediaLibrary::remove_root(const std::string& dir) {
  FL_ASSIGN_OR_RETURN(MediaRoot root, find_root(dir));
  return db_->exec("DELETE FROM media_roots WHERE path = ?", {root.path});
}

const MediaRoot* MediaLibrary::root_of(const std::string& path,
                                       const std::vector<MediaRoot>& roots) {
  for (const auto& r : roots)
    if (inside(fs::path(path), fs::path(r.path))) return &r;
  return nullptr;
}

Result<std::string> MediaLibrary::resolve(const std::string& path,
                                          const std::string& project) const {
  FL_ASSIGN_OR_RETURN(ResolvedPath r,
                      locate(path, [&project](const std::string& p) { return p == project; }));
  return r.path;
}

Result<ResolvedPath> MediaLibrary::locate(const std::string& path,
                                          const ProjectFilter& projects) const {
  if (path.empty()) return invalid_argument("empty path", "path");
  if (path.find('\0') != std::string::npos) return invalid_argument("path contains NUL", "path");
  fs::path p(path);
  if (!p.is_absolute()) return invalid_argument("'" + path + "' is not an absolute path", "path");
  FL_ASSIGN_OR_RETURN(auto roots_list, roots(projects));
  std::error_code ec;
  // A sequence pattern names no file: resolve its directory, keep the pattern.
  fs::path canon;
  if (is_sequence_pattern(p.filename().string())) {
    fs::path dir = fs::canonical(p.parent_path(), ec);
    // Said only of a path inside the caller's roots: no probing of other directories.
    if (ec) {
      fs::path lexical = p.lexically_normal();
      if (root_of(lexical.string(), roots_list))
        return not_found("no such directory for '" + path + "'", "path");
      return permission_denied("'" + path + "' is outside the media roots");
    }
    canon = dir / p.filename();
  } else {
    canon = fs::weakly_canonical(p, ec);
    if (ec) return permission_denied("'" + path + "' is outside the media roots");
  }
  // Judged on the canonical path, so `..` and symlinks pointing out of a root are refused.
  const MediaRoot* root = root_of(canon.string(), roots_list);
  if (!root) return permission_denied("'" + path + "' is outside the media roots");
  if (!is_sequence_pattern(canon.filename().string())) {
    struct stat st {};
    if (::stat(canon.c_str(), &st) != 0) return not_found("no such file '" + path + "'", "path");
    if (!S_ISREG(st.st_mode))
      return invalid_argument("'" + path + "' is not a regular file", "path");
  }
  return ResolvedPath{canon.string(), root->project};
}

Result<std::optional<MediaItem>> MediaLibrary::find(const std::string& project,
                                                    const std::string& path) const {
  FL_ASSIGN_OR_RETURN(std::string canon, resolve(path, project));
  FL_ASSIGN_OR_RETURN(auto existing,
                      db_->query_one("SELECT id FROM media WHERE path = ?", {canon}));
  if (!existing) return std::optional<MediaItem>{};
  FL_ASSIGN_OR_RETURN(MediaItem item, get(existing->text(0)));
  return std::optional<MediaItem>(std::move(item));
}

Result<MediaItem> MediaLibrary::register_media(const std::string& project,
                                               const std::string& path) {
  FL_ASSIGN_OR_RETURN(auto existing, find(project, path));
  if (existing) return std::move(*existing);
  FL_ASSIGN_OR_RETURN(std::string canon, resolve(path, project));
  FL_ASSIGN_OR_RETURN(MediaInfo info, probe_(canon));
  FL_ASSIGN_OR_RETURN(std::string id, security::random_hex(8));
  MediaItem item{"m_" + id, canon, info, unix_seconds(), project};
  FL_RETURN_IF_ERROR(db_->exec("INSERT INTO media(id, path, info, created) VALUES(?,?,?,?)",
                               {item.id, canon, json_text(media_to_json(info)), item.created}));
  return item;
}

Result<std::vector<MediaItem>> MediaLibrary::list(const ProjectFilter& projects) const {
  FL_ASSIGN_OR_RETURN(auto rows,
                      db_->query("SELECT id, path, info, created FROM media ORDER BY created"));
  FL_ASSIGN_OR_RETURN(auto roots_list, roots(projects));
  std::vector<MediaItem> out;
  for (const auto& r : rows)
    // A removed root takes its media with it; another project's root hides them.
    if (const MediaRoot* root = root_of(r.text(1), roots_list))
      out.push_back({r.text(0), r.text(1),
                     media_from_json(nlohmann::json::parse(r.text(2), nullptr, false)), r.real(3),
                     root->project});
  return out;
}

Result<MediaItem> MediaLibrary::get(const std::string& id) const {
  FL_ASSIGN_OR_RETURN(
      auto row, db_->query_one("SELECT id, path, info, created FROM media WHERE id = ?", {id}));
  if (!row) return not_found("no media '" + id + "'");
  FL_ASSIGN_OR_RETURN(auto roots_list, roots());
  const MediaRoot* root = root_of(row->text(1), roots_list);
  if (!root) return not_found("no media '" + id + "'");
  return MediaItem{row->text(0), row->text(1),
                   media_from_json(nlohmann::json::parse(row->text(2), nullptr, false)),
                   row->real(3), root->project};
}

}  // namespace fl::service
