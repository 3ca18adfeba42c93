#include "looks/lock_report.h"

#include <cstdio>
#include <filesystem>

#include "core/json_text.h"
#include "looks/looks.h"
#include "ops/scene_lock/scene_lock_export.h"
#include "render/output.h"

namespace fl::looks {
namespace {

constexpr int kThumbWidth = 240;

Image display_copy(const Image& linear, colour::Transfer t, int width = 0) {
  Image out = width > 0 ? analysis::shrink_to_width(linear, width) : linear.clone();
  colour::TransferCurve::get(t).rgba_to_encoded(out.data(), out.pixel_count());
  out.set_origin(0, 0);
  return out;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

Status write_lock_report(render::Renderer& renderer, const graph::Plan& plan, int node,
                         const std::string& path, const OutputPipeline& pipeline) {
  FL_ASSIGN_OR_RETURN(auto base_state, renderer.analysis(plan, node));
  const auto* state = dynamic_cast<const ops::SceneLockState*>(base_state.get());
  if (!state)
    return invalid_argument("--report: node '" + plan.nodes[size_t(node)].id +
                            "' is not a scene_lock node");
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  double scale = 1.0;
  while (scale > 0.125 && n.geometry.width * scale / 2 >= kThumbWidth) scale /= 2;

  std::vector<Image> tiles;
  std::vector<std::string> labels;
  for (size_t i = 0; i < state->shots.size(); ++i) {
    const analysis::ShotLock& s = state->shots[i];
    tiles.push_back(display_copy(state->reference, state->encoding, n.geometry.bounds_at(scale).w));
    labels.push_back("shot " + std::to_string(i + 1) + " ref  dE " + fixed(s.delta_e_before) +
                     " -> " + fixed(s.delta_e_after));
    const int64_t frames[3] = {s.first, (s.first + s.last) / 2, s.last};
    const char* where[3] = {"first", "middle", "last"};
    for (int k = 0; k < 3; ++k) {
      render::RenderRequest req;
      req.frame = frames[k];
      req.scale = scale;
      FL_ASSIGN_OR_RETURN(auto before, renderer.render(plan, n.inputs[0], req));
      FL_ASSIGN_OR_RETURN(auto after, renderer.render(plan, node, req));
      tiles.push_back(display_copy(*before, state->encoding));
      labels.push_back(std::string(where[k]) + " " + std::to_string(frames[k]) + " before");
      tiles.push_back(display_copy(*after, state->encoding));
      labels.push_back(std::string(where[k]) + " " + std::to_string(frames[k]) + " after");
    }
  }
  const std::vector<FileRead> inputs = render::inputs_of(plan, node);
  FL_RETURN_IF_ERROR(
      write_contact_sheet(pipeline, {path, OutputKind::kSheet, n.id, inputs}, tiles, labels, 7));
  const std::string json_path = std::filesystem::path(path).replace_extension(".json").string();
  return pipeline.write_file({json_path, OutputKind::kReport, n.id, inputs},
                             json_text(ops::scene_lock_report(*state), 2) + "\n");
}

}  // namespace fl::looks
