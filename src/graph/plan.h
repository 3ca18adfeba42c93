// The compiled, immutable plan: ops resolved and prepared, params typed, pointwise runs fused,
// no-ops removed, every node keyed by content. Compile once, render many (OpenColorIO's model).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "colour/primaries.h"
#include "core/hash.h"
#include "framelock/media.h"
#include "graph/graph.h"
#include "graph/limits.h"
#include "graph/op.h"
#include "graph/registry.h"

namespace fl::graph {

struct PlanNode {
  std::string id;  // graph id; a fused node carries the id of the last op in its run
  bool is_source = false;

  // Sources.
  std::string path;
  std::string transfer;     // empty: from the media's tags
  int64_t first_frame = 0;  // media frame of node frame 0
  MediaInfo media;
  colour::Primaries primaries = colour::Primaries::kRec709;  // declared, else the media's tag
  std::optional<Affine> to_working;  // linear light into the plan's working space, if they differ

  // Operators.
  const OpDef* def = nullptr;
  std::shared_ptr<const Op> op;
  std::vector<std::string> fused_ids;  // graph ids folded into this node, in order
  std::vector<int> inputs;             // plan node indices, -1 for an absent optional input
  TemporalWindow window;
  bool pointwise = false;
  bool tileable = true;

  FrameGeometry geometry;
  ContentKey key;
  // The files this node read while it was prepared (an op's .cube, reference, mask) or, for a
  // source, its media and the media a timeline plays; `key` folds their identities in.
  std::vector<FileRead> reads;
};

struct PlanOutput {
  int node = -1;
  OutputDecl decl;
  int64_t first = 0;  // node frames to render, inclusive
  int64_t last = 0;
  colour::Primaries primaries = colour::Primaries::kRec709;  // declared, else the working space
  std::optional<Affine> from_working;  // applied to each frame before encoding, if they differ
};

class Plan {
 public:
  std::vector<PlanNode> nodes;  // inputs always come before their consumers
  std::vector<PlanOutput> outputs;
  colour::Primaries working_space = colour::Primaries::kRec709;
  ContentKey key;
  // Ids of no-ops dropped by fusion, resolved to the node that now produces their picture.
  std::map<std::string, int, std::less<>> aliases;
  // Every file the plan reads, once each, by content (what provenance names as the inputs).
  std::vector<FileRead> inputs;
  // "node f: ..." for each thing the ops want the user to know (nothing is wrong enough to stop).
  std::vector<std::string> warnings;

  // Also finds ids folded into a fused node and dropped no-ops.
  int find(std::string_view id) const;
};

// Linear light from one set of primaries into another, as a matrix (Bradford-adapted).
Affine primaries_affine(colour::Primaries from, colour::Primaries to);

using ProbeFn = std::function<Result<MediaInfo>(const std::string& path)>;

struct CompileOptions {
  ProbeFn probe;     // required: how sources learn their size, rate and length
  bool fuse = true;  // fold pointwise runs and drop no-ops
  // Every file the graph reads (sources, LUTs, CDLs, references, configs) passes through it;
  // its error names the source or node field. Empty: no confinement.
  PathGuard guard;
  // Refused with kResourceExhausted at compile (graph/limits.h). Default: none.
  ResourceLimits limits;
};

// Validates everything and prepares every op. Errors name the node and the field
// ("node 'grade': params.slope = -1 is out of range [0, 100]", field "nodes.grade.params.slope").
Result<std::shared_ptr<const Plan>> compile(const Graph& graph, const Registry& registry,
                                            const CompileOptions& options);

// Drops pointwise no-ops and folds runs of pointwise ops (single consumer, not an output) into
// one node; runs of affine ops become one matrix. Part of compile(); exposed for tests.
void fuse_plan(Plan& plan);

}  // namespace fl::graph
