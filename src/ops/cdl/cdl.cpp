// cdl: ASC CDL slope/offset/power + saturation, from parameters or a .cdl/.cc/.ccc file.
#include "colour/cdl.h"
#include "colour/cdl_file.h"
#include "colour/rgb48_map.h"
#include "colour/transfer.h"
#include "graph/registry.h"

namespace fl::ops {
namespace {

class CdlOp final : public graph::Op {
 public:
  CdlOp(colour::Cdl cdl, colour::Transfer space)
      : cdl_(std::move(cdl)), curve_(colour::TransferCurve::get(space)) {}
  void apply_pointwise(float* rgba, size_t n) const override {
    curve_.rgba_to_encoded(rgba, n);
    colour::apply_cdl(cdl_, rgba, n);
    curve_.rgba_to_linear(rgba, n);
  }
  // In linear space a CDL without power is a matrix, and folds with exposure/saturation.
  std::optional<graph::Affine> affine() const override {
    if (!curve_.is_linear() || cdl_.power != std::array<double, 3>{1, 1, 1}) return std::nullopt;
    graph::Affine sop;
    for (int c = 0; c < 3; ++c)
      sop.m[5 * c] = float(cdl_.slope[c]), sop.m[4 * c + 3] = float(cdl_.offset[c]);
    constexpr float kLuma[3] = {0.2126f, 0.7152f, 0.0722f};
    graph::Affine sat;
    float s = float(cdl_.saturation);
    for (int row = 0; row < 3; ++row)
      for (int col = 0; col < 3; ++col)
        sat.m[4 * row + col] = (1 - s) * kLuma[col] + (row == col ? s : 0.0f);
    return sop.then(sat);
  }
  bool is_identity() const override { return cdl_.is_identity(); }
  // Slope, offset and power act on each channel alone; saturation mixes them.
  std::optional<colour::Rgb48Map> rgb48_map(colour::Transfer transfer) const override {
    if (transfer != curve_.transfer() || cdl_.saturation != 1.0) return std::nullopt;
    return colour::Rgb48Map(colour::tabulate_curves([&](int c, float v) {
                              float px[4] = {v, v, v, 1.0f};
                              colour::apply_cdl(cdl_, px, 1);
                              return px[c];
                            }),
                            {});
  }

 private:
  colour::Cdl cdl_;
  const colour::TransferCurve& curve_;
};

struct CdlParams {
  explicit CdlParams(const graph::OpSchema& s)
      : slope(s.param<graph::Vec3>("slope")),
        offset(s.param<graph::Vec3>("offset")),
        power(s.param<graph::Vec3>("power")),
        saturation(s.param<double>("saturation")),
        file(s.param<std::string>("file")),
        id(s.param<std::string>("id")),
        index(s.param<int64_t>("index")),
        space(s.param<std::string>("space")),
        grade(s) {
    // A file's values are held to the ranges its parameters have.
    std::vector<graph::ParamSpec> kept;
    for (const auto& spec : grade.params)
      if (spec.name == "slope" || spec.name == "offset" || spec.name == "power" ||
          spec.name == "saturation")
        kept.push_back(spec);
    grade.params = std::move(kept);
  }
  graph::Param<graph::Vec3> slope, offset, power;
  graph::Param<double> saturation;
  graph::Param<std::string> file, id;
  graph::Param<int64_t> index;
  graph::Param<std::string> space;
  graph::OpSchema grade;  // the schema's slope, offset, power and saturation alone
};

// A correction read from `file` checked against the parameters' ranges: a power of 0, which no
// parameter accepts, is no more valid from a file.
Status check_ranges(const CdlParams& h, const colour::Cdl& cdl, const std::string& file,
                    const std::string& which) {
  const nlohmann::json values = {{"slope", cdl.slope},
                                 {"offset", cdl.offset},
                                 {"power", cdl.power},
                                 {"saturation", cdl.saturation}};
  auto checked = graph::validate_params(h.grade, values);
  if (checked.ok()) return ok_status();
  return invalid_argument(file + ": " + which + ": " + checked.status().message(), "params.file");
}

Result<std::shared_ptr<const graph::Op>> make_cdl(const CdlParams& h, const graph::Params& p,
                                                  const graph::PrepareCtx& ctx) {
  colour::Cdl cdl;
  if (!p[h.file].empty()) {
    auto path = ctx.resolve(p[h.file]);
    if (!path.ok()) return path.status().with_field("params.file");
    auto list = colour::read_cdl_file(*path);
    if (!list.ok()) return list.status().with_field("params.file");
    const std::string& id = p[h.id];
    const int64_t index = p[h.index];
    const colour::Cdl* pick = nullptr;
    std::string which;
    if (index >= 0) {
      // By position: corrections with an empty, missing or repeated id are reachable too.
      if (!id.empty()) return invalid_argument("give id or index, not both", "params.index");
      if (size_t(index) >= list->size())
        return invalid_argument(p[h.file] + " holds " + std::to_string(list->size()) +
                                    " correction(s); index " + std::to_string(index) +
                                    " is past the last (indices count from 0)",
                                "params.index");
      pick = &(*list)[size_t(index)];
      which = "correction " + std::to_string(index);
    } else {
      for (const auto& c : *list)
        if (id.empty() || c.id == id) {
          pick = &c;
          break;
        }
      if (!pick)
        return invalid_argument("no correction with id '" + id + "' in " + p[h.file], "params.id");
      if (id.empty() && list->size() > 1)
        return invalid_argument(p[h.file] + " holds " + std::to_string(list->size()) +
                                    " corrections; choose one with id or index",
                                "params.id");
      which = pick->id.empty() ? "correction 0" : "correction '" + pick->id + "'";
    }
    FL_RETURN_IF_ERROR(check_ranges(h, *pick, p[h.file], which));
    cdl = *pick;
  } else {
    cdl.slope = p[h.slope];
    cdl.offset = p[h.offset];
    cdl.power = p[h.power];
    cdl.saturation = p[h.saturation];
  }
  FL_RETURN_IF_ERROR(colour::validate_cdl(cdl));
  FL_ASSIGN_OR_RETURN(colour::Transfer space, colour::parse_transfer(p[h.space]));
  return graph::make_op<CdlOp>(std::move(cdl), space);
}

}  // namespace

void register_cdl(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("cdl", 1)
          .doc(
              "ASC CDL v1.2: out = (in * slope + offset) ^ power, then saturation (Rec.709 luma), "
              "on code values in `space`. Values come from the parameters or a .cdl/.cc/.ccc file.")
          .input("in")
          .param_vec3("slope", graph::Vec3{1, 1, 1}, 0, 100, "Slope (gain) per channel.")
          .param_vec3("offset", graph::Vec3{0, 0, 0}, -10, 10, "Offset per channel.")
          .param_vec3("power", graph::Vec3{1, 1, 1}, 0.01, 100, "Power (gamma) per channel.")
          .param_float("saturation", 1.0, 0, 10, "Saturation after SOP.")
          .param_path("file", "",
                      "A .cdl, .cc or .ccc file; overrides slope/offset/power/saturation.")
          .param_string("id", "", "Which correction of a .ccc/.cdl to use (by id).")
          .param_int("index", -1, -1, 1 << 20,
                     "Which correction of a .ccc/.cdl to use by position, from 0 (-1: by id); "
                     "reaches corrections without an id.")
          .param_enum("space", "rec709", {"rec709", "srgb", "gamma22", "gamma24", "linear"},
                      "Encoding the CDL is applied in.")
          .pointwise()
          .build();
  const CdlParams handles(schema);
  r.add(schema, [handles](const graph::Params& p, const graph::PrepareCtx& ctx) {
    return make_cdl(handles, p, ctx);
  });
}

}  // namespace fl::ops
