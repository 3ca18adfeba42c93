// The renderer's integer path: format negotiation between source, op and sink (libavfilter's
// query_formats idea, DESIGN.md §5). Most deliveries are "decode, grade, encode" where the grade
// is a LUT or CDL authored for the footage's own code values; taking such frames to linear
// float and back costs more than the grade itself (docs/benchmarks.md, §4). When every stage
// can work on 16-bit code values in the same transfer, frames stay 16-bit RGB end to end.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "render/output_run.h"
#include "render/renderer.h"

namespace fl::render {

namespace {

void map_codes(const colour::Rgb48Map& map, Rgb48Image& img, OutputRun& run) {
  if (map.is_identity()) return;
  const size_t row = size_t(img.width());
  tbb::parallel_for(tbb::blocked_range<int>(0, img.height(), 16),
                    [&](const tbb::blocked_range<int>& rows) {
                      if (run.cancelled()) return;  // checked per band
                      uint16_t* p = img.row(rows.begin());
                      map.apply(p, p, row * size_t(rows.size()));
                    });
}

}  // namespace

std::optional<Renderer::Rgb48Route> Renderer::rgb48_route(const graph::Plan& plan,
                                                          const graph::PlanOutput& output,
                                                          io::FrameSink& sink,
                                                          const OutputOptions& options) {
  // Primaries conversions mix channels in linear light: the float path's business.
  if (options.scale != 1.0 || !sink.writes_rgb48() || output.from_working) return std::nullopt;
  const graph::PlanNode& out = plan.nodes[size_t(output.node)];
  Rgb48Route route;
  if (out.is_source) {
    route.source = output.node;
  } else {
    if (!out.pointwise || out.inputs.size() != 1 || out.inputs[0] < 0 ||
        out.window != graph::TemporalWindow{})
      return std::nullopt;
    route.source = out.inputs[0];
    const graph::PlanNode& in = plan.nodes[size_t(route.source)];
    if (!in.is_source || in.geometry.width != out.geometry.width ||
        in.geometry.height != out.geometry.height)
      return std::nullopt;
  }
  const graph::PlanNode& src = plan.nodes[size_t(route.source)];
  if (src.to_working) return std::nullopt;
  std::shared_ptr<OpenSource> open = open_slot(src.path, src.transfer);
  colour::Transfer transfer;
  {
    std::lock_guard lock(open->mu);
    if (!ensure_open(*open, src.path, src.transfer).ok() || !open->source->reads_rgb48())
      return std::nullopt;
    transfer = open->source->transfer();
  }
  if (sink.transfer() != transfer) return std::nullopt;
  if (!out.is_source) {
    auto map = out.op->rgb48_map(transfer);
    if (!map) return std::nullopt;
    route.map = std::move(*map);
  }
  return route;
}

Status Renderer::render_output_rgb48(const graph::Plan& plan, const Rgb48Route& route,
                                     int64_t first, int64_t last, io::FrameSink& sink,
                                     const std::vector<std::shared_ptr<const FrameStage>>& stages,
                                     OutputRun& run) {
  const graph::PlanNode& src = plan.nodes[size_t(route.source)];
  std::shared_ptr<OpenSource> open = open_slot(src.path, src.transfer);
  struct Token {
    int64_t frame = 0;
    Rgb48Image image;
    Status status;
  };
  auto read = [&](Token& t) {
    // Isolated like Renderer::source_frame: the conversion's parallel_for must not hand this
    // thread (holding the reader's lock) another task that wants it.
    tbb::this_task_arena::isolate([&] {
      std::lock_guard lock(open->mu);
      auto img = open->source->read_frame_rgb48(src.first_frame + t.frame);
      if (img.ok())
        t.image = std::move(*img);
      else
        t.status = img.status();
    });
  };
  auto process = [&](Token& t) {
    map_codes(route.map, t.image, run);
    for (const auto& stage : stages) {
      if (Status s = stage->apply(t.frame, t.image); !s.ok()) {
        t.status = s.with_context(std::string(stage->name()) + ": ");
        return;
      }
    }
  };
  auto write = [&](Token& t) { return sink.write_rgb48(t.image); };
  return run.stream<Token>(sink, first, last, read, process, write);
}

}  // namespace fl::render
