// exposure: scene-linear gain in photographic stops.
#include <cmath>

#include "graph/registry.h"

namespace fl::ops {
namespace {

class ExposureOp final : public graph::Op {
 public:
  explicit ExposureOp(double stops) : gain_(float(std::exp2(stops))) {}
  void apply_pointwise(float* p, size_t n) const override {
    for (size_t i = 0; i < n; ++i, p += 4) p[0] *= gain_, p[1] *= gain_, p[2] *= gain_;
  }
  std::optional<graph::Affine> affine() const override {
    graph::Affine a;
    a.m[0] = a.m[5] = a.m[10] = gain_;
    return a;
  }
  bool is_identity() const override { return gain_ == 1.0f; }

 private:
  float gain_;
};

}  // namespace

void register_exposure(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("exposure", 1)
          .doc("Scene-linear exposure change in stops: each stop doubles the light.")
          .input("in")
          .param_float("stops", 0.0, -20, 20, "Exposure change in stops (+1 = twice as bright).")
          .pointwise()
          .build();
  const auto stops = schema.param<double>("stops");
  r.add(schema,
        [=](const graph::Params& p,
            const graph::PrepareCtx&) -> Result<std::shared_ptr<const graph::Op>> {
          return graph::make_op<ExposureOp>(p[stops]);
        });
}

}  // namespace fl::ops
