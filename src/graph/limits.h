// What one render may ask of the machine, checked when a plan is compiled, before any pixel is
// made: a server refuses a one-frame resize to 16000x16000 with 422 instead of taking 10 GB.
#pragma once

#include <cstdint>
#include <vector>

#include "framelock/status.h"
#include "graph/schema.h"

namespace fl::graph {

class Plan;

struct ResourceLimits {
  int64_t max_frame_pixels = 0;       // any node's frame, width x height; 0: no limit
  int64_t max_working_set_bytes = 0;  // estimate_working_set() of any output; 0: no limit
  int frames_at_once = 1;             // frames of one output rendered together (a job: 3)
  bool any() const { return max_frame_pixels > 0 || max_working_set_bytes > 0; }
};

// How far before and after its own frame each node's frames are read when `node` renders one
// frame: the temporal windows downstream, accumulated from `node` back to the sources; {-1, -1}
// for nodes `node` does not read.
std::vector<TemporalWindow> temporal_reach(const Plan& plan, int node);

// Bytes the renderer holds to make one frame of `node`: every node it reads, as linear float
// RGBA, for as many of that node's frames as the temporal windows downstream reach (a fill over
// a reformat holds 13 reformatted frames and 13 decoded ones).
int64_t estimate_working_set(const Plan& plan, int node);

// kResourceExhausted naming the node (field "nodes.<id>") and the limit, for the first node over
// the frame limit or output over the working-set limit. compile() calls it.
Status check_limits(const Plan& plan, const ResourceLimits& limits);
// The working-set limit for rendering `node` (a preview of a node that is not an output).
Status check_working_set(const Plan& plan, int node, const ResourceLimits& limits);

}  // namespace fl::graph
