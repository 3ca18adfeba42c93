#include "graph/limits.h"

#include <algorithm>
#include <cstdio>

#include "graph/plan.h"

namespace fl::graph {
namespace {

std::string megapixels(int64_t pixels) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f Mpixel", double(pixels) / 1e6);
  return buf;
}

std::string gibibytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / double(int64_t(1) << 30));
  return buf;
}

int64_t frame_bytes(const PlanNode& n) {
  return int64_t(n.geometry.width) * n.geometry.height * int64_t(4 * sizeof(float));
}

}  // namespace

std::vector<TemporalWindow> temporal_reach(const Plan& plan, int node) {
  // Inputs come before their consumers: one pass from `node` back to the sources. -1: not read.
  std::vector<TemporalWindow> reach(plan.nodes.size(), TemporalWindow{-1, -1});
  reach[size_t(node)] = {0, 0};
  for (int i = node; i >= 0; --i) {
    if (reach[size_t(i)].before < 0) continue;
    const PlanNode& n = plan.nodes[size_t(i)];
    for (int in : n.inputs) {
      if (in < 0) continue;
      auto& r = reach[size_t(in)];
      r.before = std::max(r.before, reach[size_t(i)].before + n.window.before);
      r.after = std::max(r.after, reach[size_t(i)].after + n.window.after);
    }
  }
  return reach;
}

int64_t estimate_working_set(const Plan& plan, int node) {
  const std::vector<TemporalWindow> reach = temporal_reach(plan, node);
  int64_t bytes = 0;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (reach[i].before >= 0)
      bytes += frame_bytes(plan.nodes[i]) * (1 + reach[i].before + reach[i].after);
  return bytes;
}

Status check_limits(const Plan& plan, const ResourceLimits& limits) {
  if (limits.max_frame_pixels > 0)
    for (const PlanNode& n : plan.nodes) {
      const int64_t pixels = int64_t(n.geometry.width) * n.geometry.height;
      if (pixels <= limits.max_frame_pixels) continue;
      return resource_exhausted("node '" + n.id + "': a " + std::to_string(n.geometry.width) + "x" +
                                    std::to_string(n.geometry.height) + " frame is " +
                                    megapixels(pixels) + ", over the limit of " +
                                    megapixels(limits.max_frame_pixels) + " a frame",
                                "nodes." + n.id);
    }
  for (const PlanOutput& o : plan.outputs)
    FL_RETURN_IF_ERROR(check_working_set(plan, o.node, limits));
  return ok_status();
}

Status check_working_set(const Plan& plan, int node, const ResourceLimits& limits) {
  if (limits.max_working_set_bytes <= 0) return ok_status();
  const int64_t bytes = estimate_working_set(plan, node) * std::max(1, limits.frames_at_once);
  if (bytes <= limits.max_working_set_bytes) return ok_status();
  const std::string& id = plan.nodes[size_t(node)].id;
  return resource_exhausted("node '" + id + "': rendering it would hold about " + gibibytes(bytes) +
                                " of frames, over the limit of " +
                                gibibytes(limits.max_working_set_bytes),
                            "nodes." + id);
}

}  // namespace fl::graph
