#include "render/analysis_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/file_util.h"
#include "core/serial.h"

namespace fl::render {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'F', 'L', 'S', 'T', 'A', 'T', 'E', '\n'};
// The container's own version (the op's state has its own, in the header).
constexpr uint32_t kFormatVersion = 1;

std::string checksum(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

}  // namespace

const char* analysis_origin_name(AnalysisOrigin o) {
  switch (o) {
    case AnalysisOrigin::kMemory:
      return "memory";
    case AnalysisOrigin::kLoaded:
      return "loaded";
    case AnalysisOrigin::kComputed:
      return "computed";
  }
  return "computed";
}

AnalysisStore::AnalysisStore(AnalysisStoreOptions options) : options_(std::move(options)) {}

std::shared_ptr<AnalysisStore::Slot> AnalysisStore::slot(const ContentKey& key) {
  std::lock_guard lock(mu_);
  auto& s = slots_[key];
  if (!s) s = std::make_shared<Slot>();
  if (auto it = costs_.find(key); it != costs_.end())
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  return s;
}

std::shared_ptr<AnalysisStore::Slot> AnalysisStore::find(const ContentKey& key) {
  std::lock_guard lock(mu_);
  auto it = slots_.find(key);
  return it == slots_.end() ? nullptr : it->second;
}

void AnalysisStore::account(const ContentKey& key, size_t bytes) {
  std::lock_guard lock(mu_);
  if (auto it = costs_.find(key); it != costs_.end()) {
    memory_used_ -= it->second.bytes;
    lru_.erase(it->second.lru);
    costs_.erase(it);
  }
  lru_.push_front(key);
  costs_[key] = Cost{bytes, lru_.begin()};
  memory_used_ += bytes;
  // The newest state stays even when it alone is over the budget: it is in use.
  while (memory_used_ > options_.memory_bytes && lru_.size() > 1) {
    const ContentKey oldest = lru_.back();
    lru_.pop_back();
    memory_used_ -= costs_[oldest].bytes;
    costs_.erase(oldest);
    slots_.erase(oldest);  // holders keep their state; the next asker loads or computes it
  }
}

size_t AnalysisStore::memory_used() const {
  std::lock_guard lock(mu_);
  return memory_used_;
}

size_t AnalysisStore::states_in_memory() const {
  std::lock_guard lock(mu_);
  return costs_.size();
}

std::string AnalysisStore::path_for(const ContentKey& key) const {
  const std::string hex = key.hex();
  return (fs::path(options_.dir) / hex.substr(0, 2) / (hex + ".state")).string();
}

std::optional<std::string> AnalysisStore::read(const ContentKey& key, const std::string& op,
                                               int version, std::string* warning) {
  if (!persistent()) return std::nullopt;
  const std::string path = path_for(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string file = ss.str();
  auto refuse = [&](const std::string& why) -> std::optional<std::string> {
    if (warning) *warning = "analysis store entry " + path + " " + why + ": computing it again";
    return std::nullopt;
  };
  if (file.size() < sizeof kMagic || file.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0)
    return refuse("is not a framelock analysis");
  serial::Reader r(std::string_view(file).substr(sizeof kMagic));
  auto format = r.u32();
  if (!format.ok()) return refuse("is truncated");
  if (*format != kFormatVersion)
    return refuse("has container version " + std::to_string(*format) + ", not " +
                  std::to_string(kFormatVersion));
  auto name = r.str();
  auto state_version = r.u32();
  auto key_hex = r.str();
  auto sum = r.str();
  auto payload = r.bytes();
  if (!name.ok() || !state_version.ok() || !key_hex.ok() || !sum.ok() || !payload.ok())
    return refuse("is truncated");
  if (*name != op) return refuse("belongs to operator '" + *name + "', not '" + op + "'");
  if (int(*state_version) != version)
    return refuse("is " + op + " state version " + std::to_string(*state_version) + ", not " +
                  std::to_string(version));
  if (*key_hex != key.hex()) return refuse("is filed under the wrong key");
  if (checksum(*payload) != *sum) return refuse("is damaged (checksum mismatch)");
  // Read entries are the ones worth keeping when the disk budget is enforced.
  (void)::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  return std::move(*payload);
}

Status AnalysisStore::write(const ContentKey& key, const std::string& op, int version,
                            const std::string& payload) {
  if (!persistent()) return ok_status();
  const std::string path = path_for(key);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec)
    return io_error("cannot create the analysis store at " + options_.dir + ": " + ec.message());
  serial::Writer w;
  w.u32(kFormatVersion).str(op).u32(uint32_t(version)).str(key.hex()).str(checksum(payload));
  w.bytes(payload.data(), payload.size());
  FL_RETURN_IF_ERROR(write_file_atomic(path, std::string(kMagic, sizeof kMagic) + w.data()));
  trim_disk();
  return ok_status();
}

void AnalysisStore::trim_disk() {
  struct Entry {
    fs::path path;
    int64_t bytes;
    fs::file_time_type used;
  };
  std::vector<Entry> entries;
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(options_.dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".state") continue;
    const int64_t bytes = int64_t(it->file_size(ec));
    entries.push_back({it->path(), bytes, it->last_write_time(ec)});
    total += bytes;
  }
  if (total <= options_.disk_bytes) return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& e : entries) {
    if (total <= options_.disk_bytes) break;
    fs::remove(e.path, ec);
    total -= e.bytes;
  }
}

}  // namespace fl::render
