#include <algorithm>

#include "graph/plan.h"

namespace fl::graph {

namespace {

std::shared_ptr<const Op> build_chain_op(const std::vector<std::shared_ptr<const Op>>& chain) {
  std::vector<std::shared_ptr<const Op>> folded;
  std::optional<Affine> run;
  auto flush = [&] {
    if (run && !run->is_identity()) folded.push_back(std::make_shared<AffineOp>(*run));
    run.reset();
  };
  for (const auto& op : chain) {
    if (auto a = op->affine()) {
      run = run ? run->then(*a) : *a;
      continue;
    }
    flush();
    folded.push_back(op);
  }
  flush();
  if (folded.empty()) return std::make_shared<AffineOp>(Affine::identity());
  if (folded.size() == 1) return folded.front();
  return std::make_shared<FusedPointwiseOp>(std::move(folded));
}

bool fusable(const PlanNode& n) {
  return !n.is_source && n.pointwise && n.inputs.size() == 1 && n.inputs[0] >= 0 &&
         n.window == TemporalWindow{};
}

}  // namespace

void fuse_plan(Plan& plan) {
  const size_t count = plan.nodes.size();
  std::vector<bool> removed(count, false);
  std::vector<int> consumers(count, 0);
  std::vector<bool> is_output(count, false);
  for (const auto& n : plan.nodes)
    for (int in : n.inputs)
      if (in >= 0) ++consumers[size_t(in)];
  for (const auto& o : plan.outputs) is_output[size_t(o.node)] = true;

  std::vector<int> forward(count);  // where a removed node's consumers now read from
  for (size_t i = 0; i < count; ++i) forward[i] = int(i);
  auto target = [&](int i) {
    while (i >= 0 && forward[size_t(i)] != i) i = forward[size_t(i)];
    return i;
  };

  std::vector<std::vector<std::shared_ptr<const Op>>> chains(count);
  std::vector<std::pair<std::string, int>> noops;
  for (size_t i = 0; i < count; ++i) {
    PlanNode& n = plan.nodes[i];
    for (int& in : n.inputs) in = target(in);
    if (n.is_source) continue;
    if (n.fused_ids.empty()) n.fused_ids.push_back(n.id);
    chains[i] = {n.op};
    if (!fusable(n)) continue;
    if (n.op->is_identity()) {  // a no-op: consumers read its input instead
      noops.emplace_back(n.id, int(i));
      removed[i] = true;
      forward[i] = n.inputs[0];
      consumers[size_t(n.inputs[0])] += consumers[i] - 1;
      continue;
    }
    int up = n.inputs[0];
    PlanNode& m = plan.nodes[size_t(up)];
    if (fusable(m) && !removed[size_t(up)] && consumers[size_t(up)] == 1 &&
        !is_output[size_t(up)]) {
      std::vector<std::shared_ptr<const Op>> merged = chains[size_t(up)];
      merged.insert(merged.end(), chains[i].begin(), chains[i].end());
      chains[i] = std::move(merged);
      std::vector<std::string> ids = m.fused_ids;
      ids.insert(ids.end(), n.fused_ids.begin(), n.fused_ids.end());
      n.fused_ids = std::move(ids);
      n.inputs = m.inputs;
      removed[size_t(up)] = true;
      forward[size_t(up)] = int(i);
    }
  }

  for (size_t i = 0; i < count; ++i)
    if (!removed[i] && !plan.nodes[i].is_source && plan.nodes[i].pointwise)
      plan.nodes[i].op = build_chain_op(chains[i]);
  for (auto& o : plan.outputs) o.node = target(o.node);

  std::vector<int> new_index(count, -1);
  std::vector<PlanNode> kept;
  for (size_t i = 0; i < count; ++i) {
    if (removed[i]) continue;
    new_index[i] = int(kept.size());
    kept.push_back(std::move(plan.nodes[i]));
  }
  for (auto& n : kept)
    for (int& in : n.inputs)
      if (in >= 0) in = new_index[size_t(target(in))];
  for (auto& o : plan.outputs) o.node = new_index[size_t(o.node)];
  // Dropped no-ops keep answering to their id; fused ones are found through fused_ids.
  for (const auto& [id, i] : noops) {
    int t = target(i);
    if (t >= 0 && new_index[size_t(t)] >= 0) plan.aliases[id] = new_index[size_t(t)];
  }
  plan.nodes = std::move(kept);
}

}  // namespace fl::graph
