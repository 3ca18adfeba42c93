// Plans cached by content: the graph's canonical JSON plus the content identity of every file it
// names; a hit is used only while every file the plan read (Plan::inputs) is unchanged. A live
// session recompiles on every change; unchanged graphs come back at once.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "graph/plan.h"

namespace fl::graph {

class PlanCache {
 public:
  explicit PlanCache(size_t max_plans = 64) : max_plans_(max_plans) {}

  Result<std::shared_ptr<const Plan>> get_or_compile(const Graph& graph, const Registry& registry,
                                                     const CompileOptions& options);
  static ContentKey key_for(const Graph& graph);
  size_t size() const;

 private:
  static bool inputs_unchanged(const Plan& plan);
  using Entry = std::pair<ContentKey, std::shared_ptr<const Plan>>;
  mutable std::mutex mu_;
  size_t max_plans_;
  std::list<Entry> lru_;
  std::unordered_map<ContentKey, std::list<Entry>::iterator, ContentKeyHash> index_;
};

}  // namespace fl::graph
