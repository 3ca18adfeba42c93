// Internal to src/render: each intermediate frame of a streaming render computed once (a
// libavfilter link queue, per node). In `source -> reformat -> fill` every fill frame reads 13
// reformatted frames; without this, each output frame would reformat all 13 again. The render
// keeps the frames of the nodes that a consumer reads across time, for as long as the frames in
// flight can still ask for them, and drops them as the window slides: memory follows the
// windows (graph/limits.h estimates it), never the clip length. A node between two kept ones is
// not kept: the one make() of the kept frame above it is its only reader.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include <oneapi/tbb/collaborative_call_once.h>

#include "framelock/image.h"
#include "framelock/status.h"
#include "graph/plan.h"

namespace fl::render {

class WindowCache {
 public:
  using Make = std::function<Result<std::shared_ptr<const Image>>()>;

  // Keeps the frames of the nodes `output` reads that some consumer reaches across time.
  WindowCache(const graph::Plan& plan, int output);

  bool keeps(int node) const { return reach_[size_t(node)].keep; }
  // The frame, made by `make` by the first caller; others asking meanwhile help with the work
  // (collaborative_call_once: a waiting TBB thread runs the maker's tasks, never blocks them).
  Result<std::shared_ptr<const Image>> get(int node, int64_t frame, const Rect& region,
                                           const Make& make);
  // A frame of a node that is not kept was made (counted for made(), nothing kept).
  void count(int node);
  // Output frames before `frame` are all written: forget what only they could ask for.
  void slide_to(int64_t frame);
  // How many frames of each node the render made, kept or not (tests, benchmarks).
  std::vector<int64_t> made() const;

 private:
  struct Entry {
    tbb::collaborative_once_flag once;
    Result<std::shared_ptr<const Image>> result = internal_error("not made");
  };
  struct Reach {
    bool keep = false;
    int before = 0;  // how far behind the output frame this node's frames are read
  };
  using Key = std::tuple<int, int64_t, int, int, int, int>;  // node, frame, region

  std::vector<Reach> reach_;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Entry>> entries_;
  std::vector<int64_t> made_;
};

}  // namespace fl::render
