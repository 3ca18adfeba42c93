// Turning a plan output into a file, the same way for the CLI, a server job and a farm chunk:
// sink settings derived from the sources (size, rate, timecode, colour tags, audio), the analysis
// passes, the streaming render through the pipeline's frame stages, then its finishers.
#pragma once

#include <functional>

#include "core/output_pipeline.h"
#include "graph/plan.h"
#include "io/frame_sink.h"
#include "render/renderer.h"

namespace fl::render {

// The source a node's picture comes from (following first inputs); -1 if none.
int primary_source(const graph::Plan& plan, int node);

// Every file `node` and the nodes it reads from read, once each (an output's inputs).
std::vector<FileRead> inputs_of(const graph::Plan& plan, int node);

// Settings for writing `output` (its first/last already the frames to render) to `path`: size
// at `scale`, the primary source's rate, colour tags, timecode advanced to the first frame,
// audio when frames map 1:1, re-encoded with `source_transfer` (the curve the frames were
// decoded from) except that integer outputs of linear sources get a display encoding.
io::SinkOptions sink_options_for(const graph::Plan& plan, const graph::PlanOutput& output,
                                 const std::string& path, double scale,
                                 colour::Transfer source_transfer);

// What an analysis pass tells whoever runs an output: (node index, done, total) as it goes, and
// where the state came from when it is there.
struct AnalysisEvents {
  std::function<void(int node, int64_t done, int64_t total)> progress;
  std::function<void(int node, AnalysisOrigin origin)> ready;
};

// One output of a plan, written to one path: what the CLI renders whole, and what a server job
// (or a farm chunk) renders as segments and joins. Both ways give the same bytes. The plan and
// renderer must outlive it.
class OutputJob {
 public:
  // `output`'s first/last are the frames to write; `scale` renders it smaller (proxies).
  static Result<OutputJob> create(Renderer& renderer, const graph::Plan& plan,
                                  graph::PlanOutput output, std::string path,
                                  std::shared_ptr<const OutputPipeline> pipeline = {},
                                  double scale = 1.0);

  const graph::Plan& plan() const { return *plan_; }
  const graph::PlanOutput& output() const { return output_; }
  const std::string& path() const { return path_; }
  const io::SinkOptions& sink_options() const { return sink_options_; }
  // The curve the frames were decoded from (the output re-encodes with it).
  colour::Transfer transfer() const { return transfer_; }
  // What the finishers are told once the file is in place.
  OutputRecord record() const;

  // The analysis passes of every node the output depends on, in plan order, before any frame.
  Status analyse(const std::shared_ptr<graph::CancelToken>& cancel,
                 const AnalysisEvents& events = {}) const;
  // The whole output: a temp file beside path(), frames through the stages, the rename, then the
  // finishers. Nothing is left behind on failure or cancellation. `options.frames` is ignored
  // (the frames were chosen at create) and `options.stages` run after the pipeline's.
  Status render(OutputOptions options) const;
  // Output frames [first, last] into a segment file with the same encoding and no sound: its own
  // temp file and rename, no finishers. Frame stages see output frame numbers, as in render().
  Status render_segment(int64_t first, int64_t last, const std::string& segment_path,
                        OutputOptions options) const;
  // Segments covering the output, in order, joined onto path() without re-encoding, with the
  // sound added; then the finishers.
  Status join(const std::vector<std::string>& segments) const;

 private:
  OutputJob() = default;
  OutputOptions with_stages(OutputOptions options) const;

  Renderer* renderer_ = nullptr;
  const graph::Plan* plan_ = nullptr;
  graph::PlanOutput output_;
  std::string path_;
  std::shared_ptr<const OutputPipeline> pipeline_;
  double scale_ = 1.0;
  colour::Transfer transfer_ = colour::Transfer::kBt709;
  io::SinkOptions sink_options_;
};

// An OutputJob of `output` (its frames narrowed by options.frames) rendered whole through
// `pipeline` (none: no stages, no finishers). `path_override` replaces the output's path when
// not empty.
Status render_to_file(Renderer& renderer, const graph::Plan& plan, const graph::PlanOutput& output,
                      const OutputOptions& options, const std::string& path_override = {},
                      std::shared_ptr<const OutputPipeline> pipeline = {});

}  // namespace fl::render
