#include "render/window_cache.h"

namespace fl::render {

WindowCache::WindowCache(const graph::Plan& plan, int output)
    : reach_(plan.nodes.size()), made_(plan.nodes.size(), 0) {
  const std::vector<graph::TemporalWindow> reach = graph::temporal_reach(plan, output);
  for (size_t i = 0; i < plan.nodes.size(); ++i) reach_[i].before = reach[i].before;
  // A node is kept when a consumer reads it across time. Nodes between two kept ones are not:
  // each of their frames is asked for once, by the one make() of the kept frame above it (in
  // reformat -> exposure -> fill -> saturation -> extend, exposure and saturation are kept, and
  // each reformat and fill frame is made once through them). Sources are already decoded once
  // per render (the pinned window).
  for (size_t c = 0; c < plan.nodes.size(); ++c) {
    const graph::PlanNode& consumer = plan.nodes[c];
    if (reach[c].before < 0 || consumer.window.before + consumer.window.after == 0) continue;
    for (int in : consumer.inputs)
      if (in >= 0 && !plan.nodes[size_t(in)].is_source) reach_[size_t(in)].keep = true;
  }
}

Result<std::shared_ptr<const Image>> WindowCache::get(int node, int64_t frame, const Rect& region,
                                                      const Make& make) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[Key{node, frame, region.x, region.y, region.w, region.h}];
    if (!slot) slot = std::make_shared<Entry>();
    e = slot;
  }
  tbb::collaborative_call_once(e->once, [&] {
    e->result = make();
    std::lock_guard lock(mu_);
    ++made_[size_t(node)];
  });
  return e->result;
}

void WindowCache::count(int node) {
  std::lock_guard lock(mu_);
  ++made_[size_t(node)];
}

void WindowCache::slide_to(int64_t frame) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const int node = std::get<0>(it->first);
    const int64_t f = std::get<1>(it->first);
    if (f < frame - reach_[size_t(node)].before)
      it = entries_.erase(it);
    else
      ++it;
  }
}

std::vector<int64_t> WindowCache::made() const {
  std::lock_guard lock(mu_);
  return made_;
}

}  // namespace fl::render
