#include <algorithm>
#include <map>
#include <set>

#include "colour/transfer.h"
#include "graph/plan.h"

namespace fl::graph {

int Plan::find(std::string_view id) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == id) return int(i);
    for (const auto& f : nodes[i].fused_ids)
      if (f == id) return int(i);
  }
  if (auto it = aliases.find(id); it != aliases.end()) return it->second;
  return -1;
}

namespace {

std::string known_ops(const Registry& registry) {
  std::string out;
  for (const OpDef* d : registry.list()) out += (out.empty() ? "" : ", ") + d->schema.name;
  return out;
}

struct Builder {
  const Graph& graph;
  const Registry& registry;
  const CompileOptions& options;
  std::map<std::string, int> source_index, node_index;  // into graph.sources / graph.nodes

  // Resolved input ids per graph node, in schema order ("" for an absent optional input).
  std::vector<std::vector<std::string>> resolved_inputs;
  std::vector<const OpDef*> defs;
  std::vector<Params> params;

  Status check_declarations() {
    for (size_t i = 0; i < graph.sources.size(); ++i) source_index[graph.sources[i].id] = int(i);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const NodeDecl& n = graph.nodes[i];
      if (source_index.count(n.id))
        return invalid_argument("'" + n.id + "' is both a source and a node", "nodes." + n.id);
      node_index[n.id] = int(i);
    }
    resolved_inputs.resize(graph.nodes.size());
    defs.resize(graph.nodes.size());
    params.resize(graph.nodes.size());
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const NodeDecl& n = graph.nodes[i];
      std::string where = "node '" + n.id + "': ";
      std::string field = "nodes." + n.id;
      const OpDef* def = registry.find(n.op);
      auto upgraded = registry.upgrade(n.op, n.params);
      if (!def || !upgraded.ok()) {
        if (def || n.op.find('.') != std::string::npos)
          return upgraded.status().with_context(where).with_field(field + ".op");
        return invalid_argument(
            where + "unknown operator '" + n.op + "' (known: " + known_ops(registry) + ")",
            field + ".op");
      }
      defs[i] = def;
      const OpSchema& schema = def->schema;
      auto validated = validate_params(schema, *upgraded);
      if (!validated.ok())
        return validated.status().with_context(where).with_field(field + "." +
                                                                 validated.status().field());
      params[i] = std::move(validated).value();

      auto& ins = resolved_inputs[i];
      ins.assign(schema.inputs.size(), "");
      if (n.positional_inputs && n.inputs.size() > schema.inputs.size())
        return invalid_argument(where + "takes " + std::to_string(schema.inputs.size()) +
                                    " input(s), got " + std::to_string(n.inputs.size()),
                                field + ".inputs");
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        const auto& [name, upstream] = n.inputs[k];
        int slot = n.positional_inputs ? int(k) : schema.input_index(name);
        std::string in_field =
            field + ".inputs." + (n.positional_inputs ? std::to_string(k) : name);
        if (slot < 0)
          return invalid_argument(
              where + "operator '" + schema.name + "' has no input '" + name + "'", in_field);
        if (!source_index.count(upstream) && !node_index.count(upstream))
          return invalid_argument(where + "input '" + schema.inputs[size_t(slot)].name +
                                      "' refers to '" + upstream +
                                      "', which is neither a source nor a node",
                                  in_field);
        ins[size_t(slot)] = upstream;
      }
      for (size_t k = 0; k < schema.inputs.size(); ++k) {
        if (ins[k].empty() && !schema.inputs[k].optional)
          return invalid_argument(where + "missing input '" + schema.inputs[k].name + "'",
                                  field + ".inputs." + schema.inputs[k].name);
      }
    }
    return ok_status();
  }

  // Depth-first topological order; a back edge is a cycle, reported as a path.
  Status topo_order(std::vector<int>* order) {
    std::vector<int> state(graph.nodes.size(), 0);  // 0 new, 1 on stack, 2 done
    std::vector<std::string> stack;
    std::function<Status(int)> visit = [&](int i) -> Status {
      if (state[size_t(i)] == 2) return ok_status();
      const std::string& id = graph.nodes[size_t(i)].id;
      if (state[size_t(i)] == 1) {
        std::string path;
        auto it = std::find(stack.begin(), stack.end(), id);
        for (; it != stack.end(); ++it) path += *it + " -> ";
        return invalid_argument("cycle in graph: " + path + id, "nodes." + id + ".inputs");
      }
      state[size_t(i)] = 1;
      stack.push_back(id);
      for (const auto& up : resolved_inputs[size_t(i)]) {
        if (auto it = node_index.find(up); it != node_index.end())
          FL_RETURN_IF_ERROR(visit(it->second));
      }
      stack.pop_back();
      state[size_t(i)] = 2;
      order->push_back(i);
      return ok_status();
    };
    for (size_t i = 0; i < graph.nodes.size(); ++i) FL_RETURN_IF_ERROR(visit(int(i)));
    return ok_status();
  }
};

Result<PlanNode> make_source_node(const SourceDecl& s, const CompileOptions& options) {
  PlanNode node;
  node.id = s.id;
  node.is_source = true;
  node.path = s.path;
  if (options.guard) {
    auto confined = options.guard(s.path);
    if (!confined.ok())
      return confined.status()
          .with_context("source '" + s.id + "': ")
          .with_field("sources." + s.id + ".path");
    node.path = *confined;
  }
  node.transfer = s.transfer;
  if (!s.transfer.empty()) {
    if (auto t = colour::parse_transfer(s.transfer); !t.ok())
      return t.status()
          .with_context("source '" + s.id + "': ")
          .with_field("sources." + s.id + ".transfer");
  }
  auto info = options.probe(node.path);
  if (!info.ok())
    return info.status()
        .with_context("source '" + s.id + "': ")
        .with_field("sources." + s.id + ".path");
  node.media = *info;
  if (s.primaries.empty()) {
    node.primaries = colour::primaries_from_tag(node.media.color_primaries);
  } else {
    auto p = colour::parse_primaries(s.primaries);
    if (!p.ok())
      return p.status()
          .with_context("source '" + s.id + "': ")
          .with_field("sources." + s.id + ".primaries");
    node.primaries = *p;
  }
  int64_t count = node.media.frame_count;
  int64_t first = 0, last = count - 1;
  if (s.frames) {
    first = s.frames->first;
    last = s.frames->last < 0 ? count - 1 : s.frames->last;
    if (last >= count)
      return invalid_argument("source '" + s.id + "': frames [" + std::to_string(first) + ", " +
                                  std::to_string(last) + "] run past the end (" +
                                  std::to_string(count) + " frames)",
                              "sources." + s.id + ".frames");
  }
  node.first_frame = first;
  node.geometry = {node.media.width, node.media.height, node.media.frame_rate, last - first + 1};
  // The media by content, and for a timeline each file it plays: replacing a clip under an EDL
  // must change what is rendered.
  Hasher media;
  media.add(identify_file(node.path, &node.reads));
  for (const auto& f : node.media.media_files) media.add(identify_file(f, &node.reads));
  node.key = Hasher()
                 .add("source")
                 .add(media.finish())
                 .add(s.transfer)
                 .add(colour::primaries_name(node.primaries))
                 .add(first)
                 .add(last)
                 .finish();
  return node;
}

}  // namespace

Affine primaries_affine(colour::Primaries from, colour::Primaries to) {
  const colour::Matrix3 m = colour::primaries_conversion(from, to);
  Affine a;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) a.m[size_t(4 * r + c)] = float(m[size_t(3 * r + c)]);
  return a;
}

Result<std::shared_ptr<const Plan>> compile(const Graph& graph, const Registry& registry,
                                            const CompileOptions& options) {
  if (!options.probe) return internal_error("compile() needs a probe function");
  Builder b{graph, registry, options};
  FL_RETURN_IF_ERROR(b.check_declarations());
  std::vector<int> order;
  FL_RETURN_IF_ERROR(b.topo_order(&order));

  auto plan = std::make_shared<Plan>();
  std::map<std::string, int> plan_index;  // graph id -> plan node
  for (const auto& s : graph.sources) {
    FL_ASSIGN_OR_RETURN(PlanNode node, make_source_node(s, options));
    for (const std::string& w : node.media.warnings)
      plan->warnings.push_back("source " + s.id + ": " + w);
    plan_index[s.id] = int(plan->nodes.size());
    plan->nodes.push_back(std::move(node));
  }
  // One working space: sources with other primaries are converted into it as they are decoded.
  if (!graph.working_space.empty()) {
    auto w = colour::parse_primaries(graph.working_space);
    if (!w.ok()) return w.status().with_field("working_space");
    plan->working_space = *w;
  } else if (!plan->nodes.empty()) {
    plan->working_space = plan->nodes.front().primaries;
  }
  for (auto& n : plan->nodes) {
    if (n.primaries == plan->working_space) continue;
    n.to_working = primaries_affine(n.primaries, plan->working_space);
    n.key = Hasher()
                .add(n.key)
                .add("to-working")
                .add(colour::primaries_name(plan->working_space))
                .finish();
  }
  for (int gi : order) {
    const NodeDecl& decl = graph.nodes[size_t(gi)];
    const OpDef* def = b.defs[size_t(gi)];
    std::string where = "node '" + decl.id + "': ";
    PlanNode node;
    node.id = decl.id;
    node.def = def;
    node.window = def->schema.window;
    node.pointwise = def->schema.pointwise;
    node.tileable = def->schema.tileable;
    std::vector<FrameGeometry> in_geom;
    Hasher h;
    h.add(def->schema.id()).add(b.params[size_t(gi)].canonical());
    for (const auto& up : b.resolved_inputs[size_t(gi)]) {
      int idx = up.empty() ? -1 : plan_index.at(up);
      node.inputs.push_back(idx);
      in_geom.push_back(idx < 0 ? FrameGeometry{} : plan->nodes[size_t(idx)].geometry);
      h.add(idx < 0 ? ContentKey{} : plan->nodes[size_t(idx)].key);
    }
    PrepareCtx pctx{graph.base_dir, options.guard, &node.reads};
    // A factory that throws (a parameter read under a name its schema does not declare) is a
    // defect of the op: reported with its node, never a crash of whoever compiles.
    Result<std::shared_ptr<const Op>> op = internal_error("not prepared");
    try {
      op = def->make(b.params[size_t(gi)], pctx);
    } catch (const std::exception& e) {
      op = internal_error("operator '" + def->schema.name + "' failed to prepare: " + e.what());
    }
    if (!op.ok()) {
      std::string f = op.status().field();
      return op.status().with_context(where).with_field("nodes." + decl.id +
                                                        (f.empty() ? "" : "." + f));
    }
    node.op = *op;
    auto geom = node.op->output_geometry(in_geom);
    if (!geom.ok()) return geom.status().with_context(where).with_field("nodes." + decl.id);
    node.geometry = *geom;
    for (std::string& w : node.op->warnings(in_geom))
      plan->warnings.push_back("node " + decl.id + ": " + std::move(w));
    for (const auto& r : node.reads) h.add("read").add(r.id.key);
    node.key = h.finish();
    plan_index[decl.id] = int(plan->nodes.size());
    plan->nodes.push_back(std::move(node));
  }

  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const OutputDecl& o = graph.outputs[i];
    std::string field = "outputs[" + std::to_string(i) + "]";
    auto it = plan_index.find(o.node);
    if (it == plan_index.end())
      return invalid_argument(
          field + ".node refers to '" + o.node + "', which is neither a source nor a node",
          field + ".node");
    PlanOutput out{it->second, o, 0, plan->nodes[size_t(it->second)].geometry.frame_count - 1};
    out.primaries = plan->working_space;
    if (!o.primaries.empty()) {
      auto p = colour::parse_primaries(o.primaries);
      if (!p.ok()) return p.status().with_context(field + ": ").with_field(field + ".primaries");
      out.primaries = *p;
    }
    if (out.primaries != plan->working_space)
      out.from_working = primaries_affine(plan->working_space, out.primaries);
    if (o.frames) {
      out.first = o.frames->first;
      if (o.frames->last >= 0) out.last = o.frames->last;
      if (out.last >= plan->nodes[size_t(it->second)].geometry.frame_count)
        return invalid_argument(
            field + ".frames run past the end of '" + o.node + "' (" +
                std::to_string(plan->nodes[size_t(it->second)].geometry.frame_count) + " frames)",
            field + ".frames");
    }
    plan->outputs.push_back(out);
  }

  for (const auto& n : plan->nodes)
    for (const auto& r : n.reads) {
      bool seen = false;
      for (const auto& have : plan->inputs) seen = seen || have.path == r.path;
      if (!seen) plan->inputs.push_back(r);
    }
  if (options.fuse) fuse_plan(*plan);
  FL_RETURN_IF_ERROR(check_limits(*plan, options.limits));
  Hasher pk;
  for (const auto& n : plan->nodes) pk.add(n.key);
  for (const auto& o : plan->outputs)
    pk.add(int64_t(o.node))
        .add(o.decl.path)
        .add(o.first)
        .add(o.last)
        .add(colour::primaries_name(o.primaries));
  plan->key = pk.finish();
  return std::shared_ptr<const Plan>(std::move(plan));
}

}  // namespace fl::graph
