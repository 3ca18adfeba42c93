// ocio: a colour-space conversion from an OpenColorIO config.
#include <OpenColorIO/OpenColorIO.h>

#include <cstdlib>
#include <filesystem>

#include "graph/registry.h"

namespace OCIO = OCIO_NAMESPACE;

namespace fl::ops {
namespace {

class OcioOp final : public graph::Op {
 public:
  explicit OcioOp(OCIO::ConstCPUProcessorRcPtr cpu, bool noop)
      : cpu_(std::move(cpu)), noop_(noop) {}
  void apply_pointwise(float* rgba, size_t n) const override {
    OCIO::PackedImageDesc desc(rgba, long(n), 1, 4);
    cpu_->apply(desc);
  }
  bool is_identity() const override { return noop_; }

 private:
  OCIO::ConstCPUProcessorRcPtr cpu_;
  bool noop_;
};

struct OcioParams {
  explicit OcioParams(const graph::OpSchema& s)
      : config(s.param<std::string>("config")),
        src(s.param<std::string>("src")),
        dst(s.param<std::string>("dst")) {}
  graph::Param<std::string> config, src, dst;
};

Result<std::shared_ptr<const graph::Op>> make_ocio(const OcioParams& h, const graph::Params& p,
                                                   const graph::PrepareCtx& ctx) {
  auto resolved = ctx.resolve(p[h.config]);
  if (!resolved.ok()) return resolved.status().with_field("params.config");
  std::string config_path = *resolved;
  if (config_path.empty()) {
    const char* env = std::getenv("OCIO");
    if (!env || !*env)
      return invalid_argument("no OCIO config: set params.config or $OCIO", "params.config");
    config_path = env;
  }
  if (!std::filesystem::exists(config_path))
    return not_found("OCIO config '" + config_path + "' does not exist", "params.config");
  try {
    auto config = OCIO::Config::CreateFromFile(config_path.c_str());
    for (const auto* space : {&h.src, &h.dst}) {
      if (!config->getColorSpace(p[*space].c_str()))
        return invalid_argument("colour space '" + p[*space] + "' is not in " + config_path,
                                "params." + space->name());
    }
    auto processor = config->getProcessor(p[h.src].c_str(), p[h.dst].c_str());
    return std::shared_ptr<const graph::Op>(
        std::make_shared<OcioOp>(processor->getDefaultCPUProcessor(), processor->isNoOp()));
  } catch (const OCIO::Exception& e) {
    return invalid_argument(std::string("OCIO: ") + e.what(), "params.config");
  }
}

}  // namespace

void register_ocio(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("ocio", 1)
          .doc(
              "Converts between two colour spaces of an OpenColorIO config. framelock's working "
              "space is scene-linear with the source's primaries; name it as `src` in your config.")
          .input("in")
          .param_path("config", "", "OCIO config file (empty: $OCIO).")
          .param_string("src", std::nullopt, "Colour space the pixels are in.")
          .param_string("dst", std::nullopt, "Colour space to convert to.")
          .pointwise()
          .build();
  const OcioParams handles(schema);
  r.add(schema, [handles](const graph::Params& p, const graph::PrepareCtx& ctx) {
    return make_ocio(handles, p, ctx);
  });
}

}  // namespace fl::ops
