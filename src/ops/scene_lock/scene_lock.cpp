// scene_lock: every shot of a clip matched to a reference look, one fitted grade per shot
// (analysis/scene_lock.h has the how). The analysis runs once per clip and parameters; rendering
// a frame is then one 3D LUT on code values, at any preview scale.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/scene_lock.h"
#include "analysis/shots.h"
#include "colour/cdl_file.h"
#include "colour/cube_file.h"
#include "core/output_path.h"
#include "graph/registry.h"
#include "ops/scene_lock/scene_lock_export.h"

namespace fl::ops {
namespace {

constexpr colour::Transfer kEncoding = colour::Transfer::kBt709;

// The smallest preview level at least this wide: analysis never needs more pixels than this.
constexpr int kAnalysisWidth = 480;
constexpr int kShotThumbWidth = 128;
constexpr int kReportWidth = 480;

class SceneLockOp final : public graph::Op {
 public:
  struct Config {
    std::string reference_path;  // empty: a frame of the input
    int64_t reference_frame = 0;
    int64_t reference_shot = -1;  // `shot:N`: shot N of the input (its detected shots)
    bool detect_shots = true;
    double strength = 1.0;
    bool reference_code_values = true;  // read the reference's code values as the footage's
    analysis::LockOptions lock;
  };
  explicit SceneLockOp(Config c) : c_(std::move(c)) {}

  bool has_analysis() const override { return true; }
  int state_version() const override { return kSceneLockStateVersion; }
  Result<std::string> save_state(const graph::OpState& state) const override {
    return save_scene_lock_state(static_cast<const SceneLockState&>(state));
  }
  Result<std::shared_ptr<const graph::OpState>> load_state(std::string_view bytes) const override {
    FL_ASSIGN_OR_RETURN(auto state, load_scene_lock_state(bytes));
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }
  size_t state_bytes(const graph::OpState& state) const override {
    return scene_lock_state_bytes(static_cast<const SceneLockState&>(state));
  }
  // Strength is applied per frame; everything else decides the fit.
  std::string analysis_key() const override {
    // The reference file's content is in the key already (the renderer folds in what the node
    // read), so the same still at another path, or on another machine, shares the analysis.
    return std::string(c_.reference_path.empty() ? "input" : "file") + "|" +
           std::to_string(c_.reference_frame) + "|" + std::to_string(c_.reference_shot) + "|" +
           (c_.detect_shots ? "auto" : "none") + "|" + (c_.reference_code_values ? "f" : "t") +
           "|" + std::to_string(int(c_.lock.mode));
  }

  Result<std::shared_ptr<const graph::OpState>> analyse(graph::AnalysisCtx& ctx) const override {
    const graph::FrameGeometry& in = ctx.input(0);
    if (in.frame_count <= 0) return invalid_argument("scene_lock: the input has no frames");
    Image reference;
    if (c_.reference_shot < 0) {  // a reference shot is read below, once the shots are known
      FL_ASSIGN_OR_RETURN(reference, read_reference(ctx, 1.0));
    }
    const int64_t n = in.frame_count;
    std::vector<analysis::ShotRange> ranges;
    if (c_.detect_shots && n > 1) {
      const double thumb_scale = graph::level_at_least(in.width, kShotThumbWidth);
      std::vector<analysis::FrameSignature> sigs;
      for (int64_t f = 0; f < n; ++f) {
        FL_ASSIGN_OR_RETURN(Image img, ctx.read(0, f, thumb_scale));
        sigs.push_back(analysis::signature_of_linear(img, kEncoding));
        if (!ctx.progress(f + 1, 2 * n)) return cancelled("scene lock cancelled");
      }
      for (const auto& s : analysis::detect_shots(sigs, {})) ranges.push_back({s.first, s.last});
    } else {
      ranges.push_back({0, n - 1});
    }
    const double scale = graph::level_at_least(in.width, kAnalysisWidth);
    auto read = [&](int64_t f) { return ctx.read(0, f, scale); };
    auto progress = [&](int64_t done, int64_t total) {
      return ctx.progress(n + done * n / std::max<int64_t>(1, total), 2 * n);
    };
    std::vector<analysis::ShotLock> shots;
    if (c_.reference_shot >= 0) {
      if (c_.reference_shot >= int64_t(ranges.size()))
        return invalid_argument("scene_lock: reference shot " + std::to_string(c_.reference_shot) +
                                " is out of range: the input has " + std::to_string(ranges.size()) +
                                " shot" + (ranges.size() == 1 ? "" : "s") +
                                (c_.detect_shots ? "" : " (shots=none)"))
            .with_field("params.reference");
      const std::vector<int64_t> picks =
          analysis::reference_frames(ranges[size_t(c_.reference_shot)]);
      std::vector<Image> references;
      for (int64_t f : picks) {
        FL_ASSIGN_OR_RETURN(Image img, ctx.read(0, f, scale));
        references.push_back(std::move(img));
      }
      reference = references[references.size() / 2].clone();
      FL_ASSIGN_OR_RETURN(shots, analysis::lock_shots(ranges, read, references,
                                                      int(c_.reference_shot), c_.lock, progress));
    } else {
      FL_ASSIGN_OR_RETURN(shots, analysis::lock_shots(ranges, read, reference, c_.lock, progress));
    }
    auto state = std::make_shared<SceneLockState>();
    state->encoding = kEncoding;
    state->reference = analysis::shrink_to_width(reference, kReportWidth);
    state->shots = std::move(shots);
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }

  // The first look at a new reference, before the clip is analysed: the grade fitted between the
  // previewed frame alone and the reference, both at the analysis size (the same machinery, one
  // frame instead of a shot's candidates; the final render replaces it).
  // (A reference shot needs the shots found first: those previews wait for the analysis.)
  bool has_preview_analysis() const override { return c_.reference_shot < 0; }
  Result<std::shared_ptr<const graph::OpState>> preview_analyse(graph::AnalysisCtx& ctx,
                                                                int64_t frame) const override {
    const graph::FrameGeometry& in = ctx.input(0);
    if (in.frame_count <= 0) return invalid_argument("scene_lock: the input has no frames");
    const double scale = graph::level_at_least(in.width, kAnalysisWidth);
    FL_ASSIGN_OR_RETURN(Image image, ctx.read(0, frame, scale));
    FL_ASSIGN_OR_RETURN(Image reference, read_reference(ctx, scale));
    analysis::LockOptions quick = c_.lock;
    quick.preview = true;
    FL_ASSIGN_OR_RETURN(analysis::ShotLock lock, analysis::fit_look(image, reference, quick));
    lock.first = 0;
    lock.last = in.frame_count - 1;
    lock.matched_frame = frame;
    auto state = std::make_shared<SceneLockState>();
    state->encoding = kEncoding;
    state->reference = analysis::shrink_to_width(reference, kReportWidth);
    state->shots.push_back(std::move(lock));
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const auto* state = dynamic_cast<const SceneLockState*>(ctx.state);
    if (!state) return internal_error("scene_lock: rendered without its analysis");
    const analysis::ShotLock* shot = state->shot_at(ctx.frame);
    const Image* src = in.get(0);
    const colour::TransferCurve& curve = colour::TransferCurve::get(state->encoding);
    std::vector<float> row(size_t(tile.w) * 4);
    const float k = float(c_.strength);
    for (int y = tile.y; y < tile.bottom(); ++y) {
      float* d = out.at(tile.x, y);
      std::copy_n(src->at(tile.x, y), size_t(tile.w) * 4, d);
      if (!shot || k == 0) continue;
      // Strength blends the grade with none, on code values (as a colourist's mix would).
      curve.rgba_to_encoded(d, size_t(tile.w));
      std::copy_n(d, row.size(), row.data());
      colour::apply_lut3d(shot->fit.lut, colour::Interp::kTetrahedral, d, size_t(tile.w));
      if (k != 1)
        for (size_t i = 0; i < row.size(); ++i) d[i] = row[i] + (d[i] - row[i]) * k;
      curve.rgba_to_linear(d, size_t(tile.w));
    }
    return ok_status();
  }

  Status export_state(const graph::OpState& s, const graph::ExportCtx& ctx,
                      std::vector<std::string>& written) const override {
    const auto* state = dynamic_cast<const SceneLockState*>(&s);
    if (!state) return internal_error("scene_lock: foreign state");
    if (c_.strength == 1.0) return export_scene_lock(*state, ctx, written);
    // What is exported is what renders: strength blends each grade with none, node by node (on
    // code values, as the render does).
    SceneLockState blended = *state;
    for (auto& shot : blended.shots) {
      const colour::Lut3D id = colour::identity_lut3d(shot.fit.lut.size);
      for (size_t i = 0; i < shot.fit.lut.rgb.size(); ++i)
        shot.fit.lut.rgb[i] = float(id.rgb[i] + (shot.fit.lut.rgb[i] - id.rgb[i]) * c_.strength);
      // A CDL cannot blend exactly; each of its numbers moves toward none by the same amount.
      colour::Cdl& cdl = shot.fit.cdl;
      for (int c = 0; c < 3; ++c) {
        cdl.slope[size_t(c)] = 1 + (cdl.slope[size_t(c)] - 1) * c_.strength;
        cdl.offset[size_t(c)] *= c_.strength;
        cdl.power[size_t(c)] = 1 + (cdl.power[size_t(c)] - 1) * c_.strength;
      }
      cdl.saturation = 1 + (cdl.saturation - 1) * c_.strength;
    }
    return export_scene_lock(blended, ctx, written);
  }

 private:
  // The reference frame or still (not a reference shot), at about `scale` of its size: a still
  // is usually the footage's size, and a smaller one is read at a finer level.
  Result<Image> read_reference(graph::AnalysisCtx& ctx, double scale) const {
    const graph::FrameGeometry& in = ctx.input(0);
    if (c_.reference_path.empty()) {
      if (c_.reference_frame < 0 || c_.reference_frame >= in.frame_count)
        return invalid_argument("scene_lock: reference frame " +
                                std::to_string(c_.reference_frame) + " is out of range (0-" +
                                std::to_string(in.frame_count - 1) + ")")
            .with_field("params.reference");
      return ctx.read(0, c_.reference_frame, scale);
    }
    for (double ref_scale = scale;; ref_scale *= 2) {
      auto ref = ctx.read_media(c_.reference_path, c_.reference_frame, c_.reference_code_values,
                                ref_scale);
      if (!ref.ok())
        return ref.status().with_context("scene_lock reference: ").with_field("params.reference");
      if (ref->width() * 2 > kAnalysisWidth || ref_scale >= 1.0) return std::move(*ref);
    }
  }

  Config c_;
};

}  // namespace

void register_scene_lock(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("scene_lock", 1)
          .doc(
              "Matches every shot of the input to a reference look: one fitted grade per shot "
              "(curves, matrix and a smooth 3D correction, exported as .cube and ASC CDL). The "
              "reference is a still or clip (`reference=FILE`, `reference_frame=N` for a "
              "clip), a frame of the input (`reference=frame:N`) or a shot of it "
              "(`reference=shot:N`: each shot matches the frame of shot N most like it, and "
              "shot N keeps its look).")
          .category("colour")
          .input("in")
          .param_string("reference", std::nullopt,
                        "A still or clip with the look to match, `frame:N` for frame N of the "
                        "input, or `shot:N` for its shot N.")
          .param_int("reference_frame", 0, 0, 1 << 30, "Frame of a reference clip.")
          .param_enum("reference_transfer", "footage", {"footage", "tagged"},
                      "`footage`: the reference's code values are read with the footage's "
                      "transfer (a still grabbed from the same timeline); `tagged`: as the "
                      "file's own tags say.")
          .param_enum("shots", "auto", {"auto", "none"},
                      "`auto`: detect cuts and fit each shot; `none`: one grade for the clip.")
          .param_enum("match", "auto", {"auto", "same_content", "aligned", "statistics"},
                      "How shots correspond to the reference (auto: the same picture, the same "
                      "framing, the same set-up, else colour statistics).")
          .param_float("strength", 1.0, 0.0, 1.0, "Blend of the fitted grade with none.")
          .build();
  const auto reference = schema.param<std::string>("reference");
  const auto reference_frame = schema.param<int64_t>("reference_frame");
  const auto shots = schema.param<std::string>("shots");
  const auto reference_transfer = schema.param<std::string>("reference_transfer");
  const auto strength = schema.param<double>("strength");
  const auto match = schema.param<std::string>("match");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx& ctx) -> Result<std::shared_ptr<const graph::Op>> {
          SceneLockOp::Config c;
          const std::string& ref = p[reference];
          const bool frame_ref = ref.rfind("frame:", 0) == 0, shot_ref = ref.rfind("shot:", 0) == 0;
          if (frame_ref || shot_ref) {
            const size_t prefix = frame_ref ? 6 : 5;
            int64_t number = -1;
            try {
              size_t used = 0;
              number = std::stoll(ref.substr(prefix), &used);
              if (used != ref.size() - prefix || number < 0) throw std::invalid_argument(ref);
            } catch (const std::exception&) {
              return invalid_argument("reference '" + ref + "' is not " +
                                      (frame_ref ? "frame" : "shot") + ":N with N >= 0")
                  .with_field("params.reference");
            }
            (frame_ref ? c.reference_frame : c.reference_shot) = number;
          } else {
            auto path = ctx.resolve(ref);
            if (!path.ok()) return path.status().with_field("params.reference");
            c.reference_path = *path;
            std::error_code ec;
            if (!std::filesystem::exists(c.reference_path, ec))
              return not_found("reference '" + c.reference_path + "' not found")
                  .with_field("params.reference");
            c.reference_frame = p[reference_frame];
          }
          c.detect_shots = p[shots] == "auto";
          c.reference_code_values = p[reference_transfer] == "footage";
          c.strength = p[strength];
          const std::string& m = p[match];
          using Mode = analysis::LockOptions::Mode;
          c.lock.mode = m == "same_content" ? Mode::kSameContent
                        : m == "aligned"    ? Mode::kAligned
                        : m == "statistics" ? Mode::kStatistics
                                            : Mode::kAuto;
          return graph::make_op<SceneLockOp>(std::move(c));
        });
}

}  // namespace fl::ops
