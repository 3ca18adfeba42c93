#include "core/content_id.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace fl {
namespace {

Status read_error(const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR) return not_found("'" + path + "' does not exist");
  if (err == EACCES || err == EPERM) return permission_denied("'" + path + "' cannot be read");
  return io_error("'" + path + "': " + std::strerror(err));
}

std::string hex128(const XXH128_hash_t& h) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

}  // namespace

ContentIds::ContentIds() : ContentIds(Options{}) {}
ContentIds::ContentIds(Options options) : options_(options) {}

ContentIds::~ContentIds() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

ContentIds& ContentIds::shared() {
  static ContentIds ids;
  return ids;
}

Result<ContentIds::Stat> ContentIds::stat_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return read_error(path, errno);
  if (!S_ISREG(st.st_mode)) return invalid_argument("'" + path + "' is not a regular file");
  Stat s;
  s.dev = uint64_t(st.st_dev);
  s.ino = uint64_t(st.st_ino);
  s.size = int64_t(st.st_size);
  s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + int64_t(st.st_mtim.tv_nsec);
  return s;
}

ContentKey ContentIds::provisional_key(const std::string& path, const Stat& st) {
  return Hasher()
      .add("file-stat")
      .add(path)
      .add(int64_t(st.dev))
      .add(int64_t(st.ino))
      .add(st.size)
      .add(st.mtime_ns)
      .finish();
}

Result<ContentId> ContentIds::hash_now(const std::string& path, bool background) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_error(path, errno);
#ifdef POSIX_FADV_SEQUENTIAL
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  std::vector<char> buf(size_t(1) << 20);
  int64_t total = 0;
  Status failed;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      failed = read_error(path, errno);
      break;
    }
    if (n == 0) break;
    if (background && stopping_) {  // the process is leaving: do not hold it for a big clip
      failed = cancelled("hashing '" + path + "' was stopped");
      break;
    }
    XXH3_128bits_update(state, buf.data(), size_t(n));
    total += n;
  }
  const XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  ::close(fd);
  if (!failed.ok()) return failed;
  ContentId id;
  id.xxh128 = hex128(h);
  id.size = total;
  // The key is of the bytes alone: the same clip at two paths, or copied to a farm node, shares
  // its analyses and tiles.
  id.key = Hasher().add("file-xxh3-128").add(id.xxh128).add(total).finish();
  {
    std::lock_guard lock(mu_);
    ++hashes_done_;
  }
  return id;
}

void ContentIds::remember(const std::string& path, const Stat& st, const ContentId& id) {
  auto it = entries_.find(path);
  if (it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  lru_.push_front(path);
  entries_.emplace(path, Entry{st, id, lru_.begin()});
  while (entries_.size() > options_.max_entries) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

Result<ContentId> ContentIds::identify(const std::string& path) {
  FL_ASSIGN_OR_RETURN(Stat st, stat_of(path));
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && it->second.stat == st) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.id;
    }
    if (st.size > options_.sync_limit) {
      ContentId id;
      id.key = provisional_key(path, st);
      id.provisional = true;
      id.size = st.size;
      remember(path, st, id);
      if (options_.background && !queued_.count(path)) {
        queued_[path] = true;
        queue_.push_back(path);
        if (!worker_.joinable()) worker_ = std::thread([this] { worker(); });
      }
      cv_.notify_all();
      return id;
    }
  }
  FL_ASSIGN_OR_RETURN(ContentId id, hash_now(path, false));
  // Changed while it was read: what was hashed may be neither version, so keep it provisional.
  auto after = stat_of(path);
  if (!after.ok() || !(*after == st)) {
    id.key = provisional_key(path, after.ok() ? *after : st);
    id.provisional = true;
    id.xxh128.clear();
    return id;
  }
  std::lock_guard lock(mu_);
  remember(path, st, id);
  return id;
}

Result<ContentId> ContentIds::identify_fully(const std::string& path) {
  FL_ASSIGN_OR_RETURN(ContentId id, identify(path));
  if (!id.provisional) return id;
  FL_ASSIGN_OR_RETURN(Stat st, stat_of(path));
  FL_ASSIGN_OR_RETURN(ContentId full, hash_now(path, false));
  auto after = stat_of(path);
  if (after.ok() && *after == st) {
    std::lock_guard lock(mu_);
    remember(path, st, full);
  }
  return full;
}

void ContentIds::set_background(bool on) {
  std::lock_guard lock(mu_);
  options_.background = on;
}

ContentKey ContentIds::stat_key(const std::string& path) {
  auto st = stat_of(path);
  if (!st.ok()) return Hasher().add("file-missing").add(path).finish();
  return provisional_key(path, *st);
}

int64_t ContentIds::hashes_done() const {
  std::lock_guard lock(mu_);
  return hashes_done_;
}

void ContentIds::worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::string path = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(path);
    lock.unlock();
    auto st = stat_of(path);
    Result<ContentId> id = st.ok() ? hash_now(path, true) : Result<ContentId>(st.status());
    auto after = stat_of(path);
    lock.lock();
    // Kept only if the file did not change meanwhile; a changed one is hashed when next asked.
    if (id.ok() && after.ok() && *after == *st) {
      auto it = entries_.find(path);
      if (it != entries_.end() && it->second.stat == *st) remember(path, *st, *id);
    }
  }
}

}  // namespace fl
