// Analysis state by content key: in memory under a byte budget (least recently used evicted),
// and, given a directory, on disk in a versioned format, so that a restarted server, the other
// renderer of the same server, or a farm node loads an analysis instead of computing it again.
// One store may be shared by several renderers (the server's preview and job renderers).
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.h"
#include "graph/op.h"

namespace fl::render {

struct AnalysisStoreOptions {
  std::string dir;                        // empty: memory only
  size_t memory_bytes = size_t(1) << 30;  // states held in memory
  int64_t disk_bytes = int64_t(8) << 30;  // entries kept on disk, oldest read removed first
};

enum class AnalysisOrigin { kMemory, kLoaded, kComputed };
const char* analysis_origin_name(AnalysisOrigin o);

class AnalysisStore {
 public:
  explicit AnalysisStore(AnalysisStoreOptions options = {});

  // One per key: whoever holds its `mu` computes or loads it; the others wait.
  struct Slot {
    std::mutex mu;
    std::shared_ptr<const graph::OpState> state;
  };
  std::shared_ptr<Slot> slot(const ContentKey& key);
  // The slot if it exists (nothing is created).
  std::shared_ptr<Slot> find(const ContentKey& key);
  // A state now in its slot counts `bytes` against the memory budget; beyond it the least
  // recently used states are dropped (from memory only: the disk keeps them).
  void account(const ContentKey& key, size_t bytes);

  // The entry for (key, op, version) from disk; nullopt when absent. A damaged, truncated,
  // foreign or other-version entry is nullopt too, with `warning` saying why (the caller
  // computes it again and logs it).
  std::optional<std::string> read(const ContentKey& key, const std::string& op, int version,
                                  std::string* warning);
  // Written through a temp file and a rename; the disk budget is then enforced.
  Status write(const ContentKey& key, const std::string& op, int version,
               const std::string& payload);

  bool persistent() const { return !options_.dir.empty(); }
  size_t memory_used() const;
  size_t states_in_memory() const;

 private:
  std::string path_for(const ContentKey& key) const;
  void trim_disk();

  AnalysisStoreOptions options_;
  mutable std::mutex mu_;
  std::map<ContentKey, std::shared_ptr<Slot>> slots_;
  struct Cost {
    size_t bytes = 0;
    std::list<ContentKey>::iterator lru;
  };
  std::map<ContentKey, Cost> costs_;
  std::list<ContentKey> lru_;  // front: most recent
  size_t memory_used_ = 0;
};

}  // namespace fl::render
