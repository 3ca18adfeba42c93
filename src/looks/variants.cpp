#include "looks/variants.h"

#include <cmath>
#include <filesystem>

#include "core/json_text.h"
#include "ops/register.h"
#include "render/output.h"

namespace fl::looks {

using json = nlohmann::json;

Result<VariantResult> make_variants(render::Renderer& renderer, const std::string& input,
                                    const std::vector<Look>& looks, const std::string& sheet_path,
                                    const VariantOptions& options) {
  if (looks.empty()) return invalid_argument("no looks to render");
  // One graph: the source and a branch per look. Each branch's pointwise chain fuses into its
  // last node; the source frame is decoded once and its pyramid shared by every branch.
  json g = {{"sources", {{"in", {{"path", input}}}}}, {"nodes", json::object()}};
  if (!options.transfer.empty()) g["sources"]["in"]["transfer"] = options.transfer;
  std::vector<std::string> last_ids;
  for (size_t k = 0; k < looks.size(); ++k) {
    std::string prev = "in";
    const json& chain = looks[k].chain;
    for (size_t j = 0; j < chain.size(); ++j) {
      const std::string id = "look" + std::to_string(k) + "_" + std::to_string(j);
      json node = chain[j];
      node["inputs"] = json::array({prev});
      g["nodes"][id] = node;
      prev = id;
    }
    last_ids.push_back(prev);
  }
  FL_ASSIGN_OR_RETURN(auto parsed, graph::parse_graph(json_text(g), "looks",
                                                      std::filesystem::current_path().string()));
  graph::CompileOptions co;
  co.probe = renderer.prober();
  auto plan = graph::compile(parsed, ops::builtin_registry(), co);
  if (!plan.ok()) {
    // Name the look rather than the generated node id.
    const std::string field = plan.status().field();
    for (size_t k = 0; k < looks.size(); ++k)
      if (field.rfind("nodes.look" + std::to_string(k) + "_", 0) == 0)
        return plan.status().with_context("look '" + looks[k].name + "': ");
    return plan.status();
  }
  const graph::Plan& p = **plan;
  const int src = p.find("in");
  const auto& geom = p.nodes[size_t(src)].geometry;
  if (options.frame < 0 || options.frame >= geom.frame_count)
    return invalid_argument("--frame " + std::to_string(options.frame) + " is out of range (0-" +
                                std::to_string(geom.frame_count - 1) + ")",
                            "frame");
  FL_ASSIGN_OR_RETURN(colour::Transfer transfer, renderer.source_transfer(p.nodes[size_t(src)]));
  const colour::TransferCurve& curve = colour::TransferCurve::get(transfer);

  VariantResult result;
  result.scale = 0.125;
  for (double s : {1.0, 0.5, 0.25})
    if (geom.width * s <= options.max_tile_width) {
      result.scale = s;
      break;
    }
  std::vector<Image> tiles;
  std::vector<std::string> labels;
  for (size_t k = 0; k < looks.size(); ++k) {
    const int node = p.find(last_ids[k]);
    render::RenderRequest req;
    req.frame = options.frame;
    req.scale = result.scale;
    req.quality = 1;
    FL_ASSIGN_OR_RETURN(auto img, renderer.render(p, node, req));
    Image tile = img->clone();
    curve.rgba_to_encoded(tile.data(), tile.pixel_count());
    tiles.push_back(std::move(tile));
    labels.push_back(looks[k].label);
    result.tile_width = tiles.back().width();
    result.tile_height = tiles.back().height();
  }
  int columns = options.columns;
  if (columns <= 0)
    columns = std::max(1, int(std::ceil(std::sqrt(double(looks.size()) * 1.5 * result.tile_height /
                                                  std::max(1, result.tile_width)))));
  const OutputPipeline& out = options.pipeline ? *options.pipeline : OutputPipeline::plain();
  FL_RETURN_IF_ERROR(write_contact_sheet(
      out, {sheet_path, OutputKind::kSheet, "variants", p.inputs}, tiles, labels, columns));

  if (!options.cube_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.cube_dir, ec);
    if (ec) return permission_denied(options.cube_dir + ": cannot create: " + ec.message());
    for (size_t k = 0; k < looks.size(); ++k) {
      const int node = p.find(last_ids[k]);
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "%02zu_", k + 1);
      const std::string path =
          (std::filesystem::path(options.cube_dir) / (prefix + looks[k].name + ".cube")).string();
      const graph::Op* op = p.nodes[size_t(node)].op.get();
      graph::AffineOp identity(graph::Affine::identity());
      FL_ASSIGN_OR_RETURN(colour::CubeFile cube,
                          bake_cube(op ? *op : identity, transfer, looks[k].label));
      FL_RETURN_IF_ERROR(colour::write_cube(
          out, {path, OutputKind::kLook, looks[k].name, render::inputs_of(p, node)}, cube));
      result.cubes.push_back(path);
    }
  }
  return result;
}

}  // namespace fl::looks
