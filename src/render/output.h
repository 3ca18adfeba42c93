// Turning a plan output into a file: sink settings derived from the sources (size, rate,
// timecode, colour tags, audio), then the streaming render.
#pragma once

#include "graph/plan.h"
#include "io/frame_sink.h"
#include "render/renderer.h"

namespace fl::render {

// The source a node's picture comes from (following first inputs); -1 if none.
int primary_source(const graph::Plan& plan, int node);

// Settings for writing `output` (its first/last already the frames to render) to `path`: size
// at `scale`, the primary source's rate, colour tags, timecode advanced to the first frame,
// audio when frames map 1:1, re-encoded with `source_transfer` (the curve the frames were
// decoded from) except that integer outputs of linear sources get a display encoding.
io::SinkOptions sink_options_for(const graph::Plan& plan, const graph::PlanOutput& output,
                                 const std::string& path, double scale,
                                 colour::Transfer source_transfer);

// Opens the sink (temp file), streams the frames, renames on success; nothing is left behind
// on failure or cancellation. `path_override` replaces the output's path when not empty.
Status render_to_file(Renderer& renderer, const graph::Plan& plan, const graph::PlanOutput& output,
                      const OutputOptions& options, const std::string& path_override = {});

}  // namespace fl::render
