// The renderer's side of analysis passes: frames for an op's analyse(), read through the same
// evaluation as renders, and one state per node content key.
#include <tbb/task_arena.h>

#include <filesystem>

#include "colour/primaries.h"
#include "io/frame_source.h"
#include "render/renderer.h"
#include "render/scheduler.h"

#include <spdlog/spdlog.h>

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
    req.keep_sources = false;
    FL_ASSIGN_OR_RETURN(auto img, renderer_.render(plan_, node_.inputs[size_t(index)], req));
    return img->clone();
  }

  Result<Image> read_media(const std::string& path, int64_t frame, bool footage_code_values,
                           double scale) override {
    std::string transfer;
    if (footage_code_values) {
      for (const auto& n : plan_.nodes) {
        if (!n.is_source) continue;
        FL_ASSIGN_OR_RETURN(colour::Transfer t, renderer_.source_transfer(n));
        transfer = std::string(colour::transfer_name(t));
        break;
      }
    }
    FL_ASSIGN_OR_RETURN(auto img,
                        renderer_.media_frame(path, frame, transfer, plan_.working_space, scale));
    return img->clone();
  }

  bool progress(int64_t done, int64_t total) override {
    if (report_) report_(done, total);
    return !(cancel_ && cancel_->cancelled());
  }

  // A decoder of its own: a whole-clip pass reads every frame in order, which the renderer's
  // shared one (previews seeking about) would only be moved away from.
  Status read_code_values(int index, int64_t frame, int width, int height, uint8_t* out,
                          size_t stride) override {
    const int in =
        index >= 0 && size_t(index) < node_.inputs.size() ? node_.inputs[size_t(index)] : -1;
    if (in < 0 || !plan_.nodes[size_t(in)].is_source)
      return graph::AnalysisCtx::read_code_values(index, frame, width, height, out, stride);
    const graph::PlanNode& src = plan_.nodes[size_t(in)];
    if (!decoder_) {
      FL_ASSIGN_OR_RETURN(decoder_, io::open_source(src.path, {.transfer = src.transfer}));
    }
    if (!decoder_->reads_decoded())
      return graph::AnalysisCtx::read_code_values(index, frame, width, height, out, stride);
    FL_ASSIGN_OR_RETURN(auto decoded, decoder_->read_decoded(src.first_frame + frame));
    return decoded->read_bgr8({0, 0, decoded->width(), decoded->height()}, width, height, out,
                              stride);
  }

 private:
  Renderer& renderer_;
  const graph::Plan& plan_;
  const graph::PlanNode& node_;
  std::shared_ptr<graph::CancelToken> cancel_;
  const std::function<void(int64_t, int64_t)>& report_;
  std::unique_ptr<io::FrameSource> decoder_;
};

}  // namespace

ContentKey Renderer::analysis_key(const graph::Plan& plan, int node) const {
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  Hasher key;
  key.add("analysis").add(n.def ? n.def->schema.name : n.id).add(n.op->analysis_key());
  for (int in : n.inputs) key.add(in < 0 ? ContentKey{} : plan.nodes[size_t(in)].key);
  for (const auto& r : n.reads) key.add(r.id.key);  // a reference, a mask file: by content
  return key.finish();
}

Result<std::shared_ptr<const graph::OpState>> Renderer::analysis(
    const graph::Plan& plan, int node, const std::shared_ptr<graph::CancelToken>& cancel,
    const std::function<void(int64_t, int64_t)>& progress, AnalysisOrigin* origin) {
  if (node < 0 || size_t(node) >= plan.nodes.size()) return invalid_argument("no such plan node");
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  if (n.is_source || !n.op || !n.op->has_analysis()) return std::shared_ptr<const graph::OpState>();
  const ContentKey key = analysis_key(plan, node);
  std::shared_ptr<AnalysisStore::Slot> slot = analyses_->slot(key);
  std::lock_guard lock(slot->mu);
  if (origin) *origin = AnalysisOrigin::kMemory;
  if (slot->state) return slot->state;
  const std::string op_name = n.def ? n.def->schema.name : n.id;
  const int version = n.op->state_version();
  if (version > 0 && analyses_->persistent()) {
    std::string warning;
    if (auto bytes = analyses_->read(key, op_name, version, &warning)) {
      auto loaded = n.op->load_state(*bytes);
      if (loaded.ok() && *loaded) {
        slot->state = *loaded;
        analyses_->account(key, n.op->state_bytes(*slot->state));
        if (origin) *origin = AnalysisOrigin::kLoaded;
        return slot->state;
      }
      warning = "analysis store entry for node '" + n.id + "' does not load (" +
                loaded.status().message() + "): computing it again";
    }
    if (!warning.empty()) spdlog::warn("{}", warning);
  }
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
  if (origin) *origin = AnalysisOrigin::kComputed;
  analyses_->account(key, slot->state ? n.op->state_bytes(*slot->state) : 0);
  if (version > 0 && analyses_->persistent() && slot->state) {
    auto bytes = n.op->save_state(*slot->state);
    Status saved = bytes.ok() ? analyses_->write(key, op_name, version, *bytes) : bytes.status();
    // The analysis is good either way; only the next process will have to compute it again.
    if (!saved.ok())
      spdlog::warn("node '{}': the analysis was not stored: {}", n.id, saved.message());
  }
  return slot->state;
}

Result<std::shared_ptr<const graph::OpState>> Renderer::preview_analysis(
    const graph::Plan& plan, int node, int64_t frame,
    const std::shared_ptr<graph::CancelToken>& cancel, bool& provisional) {
  if (node < 0 || size_t(node) >= plan.nodes.size()) return invalid_argument("no such plan node");
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  if (n.is_source || !n.op || !n.op->has_analysis()) return std::shared_ptr<const graph::OpState>();
  if (!n.op->has_preview_analysis()) return analysis(plan, node, cancel);
  const ContentKey key = analysis_key(plan, node);
  {
    std::shared_ptr<AnalysisStore::Slot> slot = analyses_->find(key);
    // An analysis in progress holds the slot: the preview does not wait for it.
    if (slot) {
      std::unique_lock lock(slot->mu, std::try_to_lock);
      if (lock.owns_lock() && slot->state) return slot->state;
    }
  }
  const ContentKey stand_in_key = Hasher().add("stand-in").add(key).add(frame).finish();
  {
    std::lock_guard lock(stand_ins_mu_);
    for (auto it = stand_ins_.begin(); it != stand_ins_.end(); ++it)
      if (it->first == stand_in_key) {
        stand_ins_.splice(stand_ins_.begin(), stand_ins_, it);
        provisional = true;
        return it->second;
      }
  }
  const std::function<void(int64_t, int64_t)> no_progress;
  RendererAnalysisCtx ctx(*this, plan, node, cancel, no_progress);
  Result<std::shared_ptr<const graph::OpState>> state = internal_error("analysis did not run");
  tbb::this_task_arena::isolate([&] {
    try {
      state = n.op->preview_analyse(ctx, frame);
    } catch (const std::exception& e) {
      state = internal_error(std::string("preview analysis failed: ") + e.what());
    }
  });
  if (!state.ok()) return state.status().with_context("node '" + n.id + "': ");
  {
    // A scrub through a clip asks for one per frame: only the last few are worth keeping.
    constexpr size_t kKept = 8;
    std::lock_guard lock(stand_ins_mu_);
    stand_ins_.emplace_front(stand_in_key, *state);
    if (stand_ins_.size() > kKept) stand_ins_.pop_back();
  }
  provisional = true;
  return *state;
}

Result<std::shared_ptr<const Image>> Renderer::media_frame(const std::string& path, int64_t frame,
                                                           const std::string& transfer,
                                                           colour::Primaries working,
                                                           double scale) {
  if (!(scale == 1.0 || scale == 0.5 || scale == 0.25 || scale == 0.125))
    return invalid_argument("scale must be 1, 0.5, 0.25 or 0.125");
  const ContentKey key = Hasher()
                             .add("media")
                             .add(graph::identify_file(path))
                             .add(frame)
                             .add(transfer)
                             .add(int64_t(working))
                             .add(scale)
                             .finish();
  if (auto hit = cache_.get(key)) return hit;
  std::shared_ptr<const Image> result;
  if (scale < 1.0) {
    FL_ASSIGN_OR_RETURN(auto parent, media_frame(path, frame, transfer, working, scale * 2));
    result = std::make_shared<const Image>(downsample_half(*parent));
  } else {
    io::SourceOptions options;
    if (!transfer.empty()) options.transfer = transfer;
    options.codec_threads = codec_threads();
    FL_ASSIGN_OR_RETURN(auto source, io::open_source(path, options));
    const MediaInfo& info = source->info();
    if (frame < 0 || frame >= info.frame_count)
      return invalid_argument("'" + path + "': frame " + std::to_string(frame) +
                              " is out of range (it has " + std::to_string(info.frame_count) +
                              " frames)");
    FL_ASSIGN_OR_RETURN(Image img, source->read_frame(frame));
    // A reference in other primaries is converted, not rejected.
    const colour::Primaries p = colour::primaries_from_tag(info.color_primaries);
    if (p != working) graph::primaries_affine(p, working).apply(img.data(), img.pixel_count());
    result = std::make_shared<const Image>(std::move(img));
  }
  cache_.put(key, result);
  return result;
}

}  // namespace fl::render
