// lut3d: a .cube 3D (and/or 1D) LUT, tetrahedral or trilinear, applied in an encoded space.
#include "colour/cube_file.h"
#include "colour/rgb48_map.h"
#include "colour/transfer.h"
#include "graph/registry.h"

namespace fl::ops {
namespace {

class Lut3dOp final : public graph::Op {
 public:
  Lut3dOp(colour::CubeFile cube, colour::Interp interp, colour::Transfer space)
      : cube_(std::move(cube)), interp_(interp), curve_(colour::TransferCurve::get(space)) {}
  void apply_pointwise(float* rgba, size_t n) const override {
    // LUTs are authored for code values, not scene-linear light: encode, look up, decode.
    curve_.rgba_to_encoded(rgba, n);
    colour::apply_cube(cube_, interp_, rgba, n);
    curve_.rgba_to_linear(rgba, n);
  }
  // On code values in the LUT's own space the op is the file itself: the 1D part becomes exact
  // per-channel curves, the 3D part runs on the 16-bit kernel.
  std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer transfer) const override {
    if (transfer != curve_.transfer()) return std::nullopt;
    std::vector<uint16_t> curves;
    if (cube_.lut1d) {
      colour::CubeFile shaper;
      shaper.lut1d = cube_.lut1d;
      curves = colour::tabulate_curves([&](int c, float v) {
        float px[4] = {v, v, v, 1.0f};
        colour::apply_cube(shaper, interp_, px, 1);
        return px[c];
      });
    }
    colour::PreparedLut3D lut;
    if (cube_.lut3d) {
      auto prepared = colour::prepare_lut3d(*cube_.lut3d, interp_);
      if (!prepared.ok()) return std::nullopt;
      lut = *prepared;
    }
    return colour::Rgb48Map(std::move(curves), std::move(lut));
  }
  bool is_identity() const override {
    return (!cube_.lut1d || colour::is_identity(*cube_.lut1d, 1e-7f)) &&
           (!cube_.lut3d || colour::is_identity(*cube_.lut3d, 1e-7f));
  }

 private:
  colour::CubeFile cube_;
  colour::Interp interp_;
  const colour::TransferCurve& curve_;
};

}  // namespace

void register_lut3d(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("lut3d", 1)
          .doc(
              "Applies a .cube LUT (3D, 1D, or a 1D shaper plus 3D) to code values in `space`, "
              "with tetrahedral or trilinear interpolation; matches FFmpeg's lut3d filter, except "
              "that a non-zero DOMAIN_MIN is honoured as OpenColorIO honours it (FFmpeg 5.1's "
              "lut3d ignores it).")
          .input("in")
          .param_path("file", std::nullopt, ".cube file (Resolve/Adobe/IRIDAS).")
          .param_enum("interp", "tetrahedral", {"tetrahedral", "trilinear"}, "3D interpolation.")
          .param_enum("space", "rec709", {"rec709", "srgb", "gamma22", "gamma24", "linear"},
                      "Encoding the LUT expects its input in.")
          .pointwise()
          .build();
  const auto file = schema.param<std::string>("file");
  const auto space = schema.param<std::string>("space");
  const auto interp = schema.param<std::string>("interp");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx& ctx) -> Result<std::shared_ptr<const graph::Op>> {
          auto path = ctx.resolve(p[file]);
          if (!path.ok()) return path.status().with_field("params.file");
          auto cube = colour::read_cube_file(*path);
          if (!cube.ok()) return cube.status().with_field("params.file");
          FL_ASSIGN_OR_RETURN(colour::Transfer transfer, colour::parse_transfer(p[space]));
          const colour::Interp interpolation =
              p[interp] == "trilinear" ? colour::Interp::kTrilinear : colour::Interp::kTetrahedral;
          return graph::make_op<Lut3dOp>(std::move(cube).value(), interpolation, transfer);
        });
}

}  // namespace fl::ops
