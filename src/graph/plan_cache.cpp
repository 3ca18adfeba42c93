#include "graph/plan_cache.h"

#include <filesystem>
#include "core/json_text.h"

namespace fl::graph {

ContentKey PlanCache::key_for(const Graph& graph) {
  Hasher h;
  h.add(json_text(graph_to_json(graph))).add(graph.base_dir);
  for (const auto& s : graph.sources) h.add(identify_file(s.path));
  // Any string parameter naming a file (a .cube, a .cdl, an OCIO config) is part of the content.
  PrepareCtx ctx{graph.base_dir};
  for (const auto& n : graph.nodes) {
    for (const auto& [key, value] : n.params.items()) {
      if (!value.is_string()) continue;
      auto resolved = ctx.resolve(value.get<std::string>());
      std::string path = resolved.ok() ? *resolved : std::string();
      std::error_code ec;
      if (!path.empty() && std::filesystem::is_regular_file(path, ec)) h.add(identify_file(path));
    }
  }
  return h.finish();
}

bool PlanCache::inputs_unchanged(const Plan& plan) {
  for (const auto& r : plan.inputs)
    if (identify_file(r.path) != r.id.key) return false;
  return true;
}

Result<std::shared_ptr<const Plan>> PlanCache::get_or_compile(const Graph& graph,
                                                              const Registry& registry,
                                                              const CompileOptions& options) {
  ContentKey key = key_for(graph);
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      // Files the graph does not name itself (the media under a timeline, a file an op found)
      // are checked too: one that changed makes the plan stale.
      if (inputs_unchanged(*it->second->second)) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
      }
      lru_.erase(it->second);
      index_.erase(it);
    }
  }
  FL_ASSIGN_OR_RETURN(auto plan, compile(graph, registry, options));
  std::lock_guard lock(mu_);
  if (index_.count(key)) return plan;
  lru_.emplace_front(key, plan);
  index_[key] = lru_.begin();
  while (lru_.size() > max_plans_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return plan;
}

size_t PlanCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace fl::graph
