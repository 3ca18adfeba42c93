#include "graph/plan_cache.h"

#include <filesystem>

namespace fl::graph {

ContentKey PlanCache::key_for(const Graph& graph) {
  Hasher h;
  h.add(graph_to_json(graph).dump()).add(graph.base_dir);
  for (const auto& s : graph.sources) h.add(hash_file_identity(s.path));
  // Any string parameter naming a file (a .cube, a .cdl, an OCIO config) is part of the content.
  PrepareCtx ctx{graph.base_dir};
  for (const auto& n : graph.nodes) {
    for (const auto& [key, value] : n.params.items()) {
      if (!value.is_string()) continue;
      auto resolved = ctx.resolve(value.get<std::string>());
      std::string path = resolved.ok() ? *resolved : std::string();
      std::error_code ec;
      if (!path.empty() && std::filesystem::is_regular_file(path, ec))
        h.add(hash_file_identity(path));
    }
  }
  return h.finish();
}

Result<std::shared_ptr<const Plan>> PlanCache::get_or_compile(const Graph& graph,
                                                              const Registry& registry,
                                                              const CompileOptions& options) {
  ContentKey key = key_for(graph);
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
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
