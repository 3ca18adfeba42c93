// saturation: scale chroma around Rec.709 luminance, in linear light.
#include "graph/registry.h"

namespace fl::ops {
namespace {

constexpr float kLuma[3] = {0.2126f, 0.7152f, 0.0722f};

graph::Affine saturation_matrix(float s) {
  graph::Affine a;
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col)
      a.m[4 * row + col] = (1 - s) * kLuma[col] + (row == col ? s : 0.0f);
  return a;
}

class SaturationOp final : public graph::Op {
 public:
  explicit SaturationOp(float s) : s_(s), m_(saturation_matrix(s)) {}
  void apply_pointwise(float* p, size_t n) const override { m_.apply(p, n); }
  std::optional<graph::Affine> affine() const override { return m_; }
  bool is_identity() const override { return s_ == 1.0f; }

 private:
  float s_;
  graph::Affine m_;
};

}  // namespace

void register_saturation(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("saturation", 1)
          .doc("Saturation around Rec.709 luminance in linear light: 0 is monochrome, 1 unchanged.")
          .input("in")
          .param_float("saturation", 1.0, 0, 4,
                       "Chroma gain (0 = grey, 1 = unchanged, 2 = double).")
          .pointwise()
          .build();
  const auto saturation = schema.param<double>("saturation");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          return graph::make_op<SaturationOp>(float(p[saturation]));
        });
}

}  // namespace fl::ops
