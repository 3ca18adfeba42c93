// The renderer's side of analysis passes: frames for an op's analyse(), read through the same
// evaluation as renders, and one state per node content key.
#include <tbb/task_arena.h>

#include "colour/primaries.h"
#include "render/renderer.h"

namespace fl::render {
namespace {

class RendererAnalysisCtx final : public graph::AnalysisCtx {
 public:
  RendererAnalysisCtx(Renderer& renderer, const graph::Plan& plan, int node,
                      std::shared_ptr<graph::CancelToken> cancel,
                      const std::function<void(int64_t, int64_t)>& report)
      : renderer_(renderer),
        plan_(plan),
        node_(plan.nodes[size_t(node)]),
        cancel_(std::move(cancel)),
        report_(report) {}

  const graph::FrameGeometry& input(int index) const override {
    static const graph::FrameGeometry kNone{};
    const int in =
        index >= 0 && size_t(index) < node_.inputs.size() ? node_.inputs[size_t(index)] : -1;
    return in < 0 ? kNone : plan_.nodes[size_t(in)].geometry;
  }

  Result<Image> read(int index, int64_t frame, double scale) override {
    if (index < 0 || size_t(index) >= node_.inputs.size() || node_.inputs[size_t(index)] < 0)
      return invalid_argument("analysis: no input " + std::to_string(index));
    RenderRequest req;
    req.frame = frame;
    req.scale = scale;
    req.cancel = cancel_;
    req.cache_intermediates = false;  // a whole clip passes through once: keep nothing
    FL_ASSIGN_OR_RETURN(auto img, renderer_.render(plan_, node_.inputs[size_t(index)], req));
    return img->clone();
  }

  Result<Image> read_media(const std::string& path, int64_t frame,
                           bool footage_code_values) override {
    io::SourceOptions options;
    if (footage_code_values) {
      for (const auto& n : plan_.nodes) {
        if (!n.is_source) continue;
        FL_ASSIGN_OR_RETURN(colour::Transfer t, renderer_.source_transfer(n));
        options.transfer = std::string(colour::transfer_name(t));
        break;
      }
    }
    FL_ASSIGN_OR_RETURN(auto source, io::open_source(path, options));
    const MediaInfo& info = source->info();
    if (frame < 0 || frame >= info.frame_count)
      return invalid_argument("'" + path + "': frame " + std::to_string(frame) +
                              " is out of range (it has " + std::to_string(info.frame_count) +
                              " frames)");
    FL_ASSIGN_OR_RETURN(Image img, source->read_frame(frame));
    // A reference in other primaries is converted, not rejected.
    const colour::Primaries p = colour::primaries_from_tag(info.color_primaries);
    if (p != plan_.working_space) {
      graph::primaries_affine(p, plan_.working_space).apply(img.data(), img.pixel_count());
    }
    return img;
  }

  bool progress(int64_t done, int64_t total) override {
    if (report_) report_(done, total);
    return !(cancel_ && cancel_->cancelled());
  }

 private:
  Renderer& renderer_;
  const graph::Plan& plan_;
  const graph::PlanNode& node_;
  std::shared_ptr<graph::CancelToken> cancel_;
  const std::function<void(int64_t, int64_t)>& report_;
};

}  // namespace

Result<std::shared_ptr<const graph::OpState>> Renderer::analysis(
    const graph::Plan& plan, int node, const std::shared_ptr<graph::CancelToken>& cancel,
    const std::function<void(int64_t, int64_t)>& progress) {
  if (node < 0 || size_t(node) >= plan.nodes.size()) return invalid_argument("no such plan node");
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  if (n.is_source || !n.op || !n.op->has_analysis()) return std::shared_ptr<const graph::OpState>();
  Hasher key;
  key.add("analysis").add(n.def ? n.def->schema.name : n.id).add(n.op->analysis_key());
  for (int in : n.inputs) key.add(in < 0 ? ContentKey{} : plan.nodes[size_t(in)].key);
  std::shared_ptr<AnalysisSlot> slot;
  {
    std::lock_guard lock(analyses_mu_);
    auto& s = analyses_[key.finish()];
    if (!s) s = std::make_shared<AnalysisSlot>();
    slot = s;
  }
  std::lock_guard lock(slot->mu);
  if (slot->state) return slot->state;
  RendererAnalysisCtx ctx(*this, plan, node, cancel, progress);
  Result<std::shared_ptr<const graph::OpState>> state = internal_error("analysis did not run");
  // Isolated: while this thread waits inside the analysis' own parallel loops, TBB must not hand
  // it another frame's render, which would wait for this very slot.
  tbb::this_task_arena::isolate([&] {
    try {
      state = n.op->analyse(ctx);
    } catch (const std::exception& e) {
      state = internal_error(std::string("analysis failed: ") + e.what());
    }
  });
  if (!state.ok()) return state.status().with_context("node '" + n.id + "': ");
  slot->state = *state;
  return slot->state;
}

}  // namespace fl::render
