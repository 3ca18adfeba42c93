// Content identity of the files framelock reads: an XXH3-128 hash of their bytes, remembered by
// (path, device, inode, size, mtime) so a 10 GB clip is hashed once, not per request. Keys of
// nodes, tiles, analyses and plans fold these in (OpenColorIO's cache ids, for files), and the
// provenance manifest lists them.
//
// A file up to `sync_limit` bytes is hashed when first asked for (a .cube, a mask, a model). A
// bigger one is hashed by one background thread: until that is done it has a provisional id
// from its stat, so a preview never waits for a clip to be read end to end. A provisional id is
// a correct key (it changes whenever the stat does); it is only less shareable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/hash.h"
#include "framelock/status.h"

namespace fl {

struct ContentId {
  ContentKey key;            // what caches use: from the bytes, or provisional from the stat
  bool provisional = false;  // the bytes are still being hashed
  std::string xxh128;        // hex of the bytes' hash; empty while provisional
  int64_t size = 0;
};

// A file something reads, known by its content: node, tile, analysis and plan keys fold the id
// in, and an output's finishers (the provenance manifest) list them as its inputs.
struct FileRead {
  std::string path;
  ContentId id;
};

class ContentIds {
 public:
  struct Options {
    int64_t sync_limit = int64_t(32) << 20;
    size_t max_entries = 4096;  // remembered files, least recently used forgotten first
    // Off: big files stay provisional (a one-shot command has no use for reading a whole clip
    // twice; identify_fully() still hashes on demand).
    bool background = true;
  };
  ContentIds();
  explicit ContentIds(Options options);
  ~ContentIds();
  ContentIds(const ContentIds&) = delete;
  ContentIds& operator=(const ContentIds&) = delete;

  // The process's identities (files are the process's, whoever reads them).
  static ContentIds& shared();

  // kNotFound / kPermissionDenied naming the path when it cannot be read.
  Result<ContentId> identify(const std::string& path);
  // Waits for the bytes' hash (provenance needs it; caches do not).
  Result<ContentId> identify_fully(const std::string& path);

  // How many times a file's bytes were read in full (tests: the memo works).
  int64_t hashes_done() const;
  void set_background(bool on);

  // The identity of a file's stat alone (path, device, inode, size, mtime): one stat, no read.
  // Open readers compare it to notice media replaced under them.
  static ContentKey stat_key(const std::string& path);

 private:
  struct Stat {
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0;
    bool operator==(const Stat&) const = default;
  };
  struct Entry {
    Stat stat;
    ContentId id;
    std::list<std::string>::iterator lru;
  };
  static Result<Stat> stat_of(const std::string& path);
  static ContentKey provisional_key(const std::string& path, const Stat& st);
  Result<ContentId> hash_now(const std::string& path, bool background);
  void remember(const std::string& path, const Stat& st, const ContentId& id);
  void worker();

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::list<std::string> lru_;  // front: most recent
  std::deque<std::string> queue_;
  std::map<std::string, bool, std::less<>> queued_;
  std::thread worker_;
  std::atomic<bool> stopping_{false};
  int64_t hashes_done_ = 0;
};

}  // namespace fl
