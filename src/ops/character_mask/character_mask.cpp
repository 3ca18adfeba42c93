// character_mask: the soft matte of one character on every frame, for any mask input (grade
// only them with mix, remove them with fill or clean_plate). Person segmentation inside the
// region their face track marks (analysis/character_matte.h), dilated and feathered.
#include "analysis/character_matte.h"
#include "graph/registry.h"
#include "ops/character_source.h"

namespace fl::ops {
namespace {

class CharacterMaskOp final : public graph::Op {
 public:
  CharacterMaskOp(CharacterSource source, analysis::MatteOptions matte)
      : source_(std::move(source)), matte_(matte) {}

  // A cast file is the analysis already made (and corrected); otherwise the op finds the cast.
  bool has_analysis() const override { return !source_.cast; }
  std::string analysis_key() const override { return cast_analysis_key(source_); }
  int state_version() const override { return kCastStateVersion; }
  Result<std::string> save_state(const graph::OpState& state) const override {
    return save_cast_state(static_cast<const CastState&>(state).cast);
  }
  Result<std::shared_ptr<const graph::OpState>> load_state(std::string_view bytes) const override {
    FL_ASSIGN_OR_RETURN(analysis::Cast cast, load_cast_state(bytes));
    return std::shared_ptr<const graph::OpState>(std::make_shared<CastState>(std::move(cast)));
  }
  Result<std::shared_ptr<const graph::OpState>> analyse(graph::AnalysisCtx& ctx) const override {
    FL_ASSIGN_OR_RETURN(analysis::Cast cast,
                        analyse_cast(ctx, source_, [&](int64_t done, int64_t total) {
                          return ctx.progress(done, total);
                        }));
    // An id the analysis did not find is the graph's error, not a blank matte.
    if (auto found = find_character(cast, source_.character); !found.ok()) return found.status();
    return std::shared_ptr<const graph::OpState>(std::make_shared<CastState>(std::move(cast)));
  }

  Rect input_region(int, const Rect&, const graph::RenderCtx& ctx) const override {
    return ctx.input[0].bounds_at(ctx.scale);  // the segmentation sees the whole figure
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const analysis::Cast* cast = source_.cast.get();
    if (!cast) {
      const auto* state = dynamic_cast<const CastState*>(ctx.state);
      if (!state) return internal_error("character_mask: rendered without its analysis");
      cast = &state->cast;
    }
    FL_ASSIGN_OR_RETURN(size_t who, find_character(*cast, source_.character));
    FL_ASSIGN_OR_RETURN(const cv::Mat matte,
                        mattes_.matte(*in.get(0), ctx.scale, *cast, who, ctx.frame, matte_));
    for (int y = tile.y; y < tile.bottom(); ++y) {
      const float* m = matte.ptr<float>(std::clamp(y, 0, matte.rows - 1));
      float* d = out.at(tile.x, y);
      for (int x = tile.x; x < tile.right(); ++x, d += 4)
        d[0] = d[1] = d[2] = d[3] = m[std::clamp(x, 0, matte.cols - 1)];
    }
    return ok_status();
  }

 private:
  CharacterSource source_;
  analysis::MatteOptions matte_;
  MattePool mattes_;
};

}  // namespace

void register_character_mask(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("character_mask", 1)
          .doc(
              "The soft matte of one character on every frame (1 on them, 0 elsewhere, every "
              "channel): person segmentation in the region below their tracked face, shared out "
              "with the other characters on the frame. The cast is a cast file "
              "(`cast=FILE` from `framelock characters`, with its corrections) or found by the "
              "op itself, named by `references=NAME=FILE;NAME=FILE`. Plugs into any mask input "
              "(mix, fill, clean_plate).")
          .category("matte")
          .input("in", "The clip the character is in")
          .param_string("character", std::nullopt,
                        "The character: a name (from the cast or a reference) or an id.")
          .param_string(
              "cast", "",
              "A cast file (`framelock characters --out`), or on the server `cast:MEDIA_ID`, "
              "the media's cast; empty: analyse.")
          .param_string("references", "",
                        "NAME=FILE;NAME=FILE: stills or clip frames that name characters (the "
                        "op's own analysis only).")
          .param_float("dilate", 0.0, 0, 1000, "Grow the matte by this many pixels.")
          .param_float("feather", 0.0, 0, 1000, "Width of the soft edge in pixels.")
          .param_bool("invert", false, "1 everywhere but the character instead.")
          .not_tileable()
          .build();
  const auto character = schema.param<std::string>("character");
  const auto cast = schema.param<std::string>("cast");
  const auto references = schema.param<std::string>("references");
  const auto dilate = schema.param<double>("dilate");
  const auto feather = schema.param<double>("feather");
  const auto invert = schema.param<bool>("invert");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx& ctx) -> Result<std::shared_ptr<const graph::Op>> {
          FL_ASSIGN_OR_RETURN(CharacterSource source,
                              character_source(p[character], p[cast], p[references], ctx));
          analysis::MatteOptions o;
          o.dilate = float(p[dilate]);
          o.feather = float(p[feather]);
          o.invert = p[invert];
          return graph::make_op<CharacterMaskOp>(std::move(source), o);
        });
}

}  // namespace fl::ops
