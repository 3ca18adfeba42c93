#include "looks/reports.h"

#include <filesystem>
#include <utility>

#include "looks/lock_report.h"

namespace fl::looks {
namespace {

struct NamedWriter {
  std::string_view op;
  ReportWriter write;
};

// One line per operator that has a report.
constexpr NamedWriter kWriters[] = {
    {"scene_lock", &write_lock_report},
};

}  // namespace

ReportWriter report_writer(std::string_view op_name) {
  for (const auto& w : kWriters)
    if (w.op == op_name) return w.write;
  return nullptr;
}

Result<std::vector<std::string>> write_reports(render::Renderer& renderer, const graph::Plan& plan,
                                               const std::string& path,
                                               const OutputPipeline& pipeline) {
  std::vector<std::pair<int, ReportWriter>> reporting;
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const auto& n = plan.nodes[i];
    if (n.is_source || !n.def) continue;
    if (ReportWriter w = report_writer(n.def->schema.name)) reporting.emplace_back(int(i), w);
  }
  if (reporting.empty()) {
    std::string names;
    for (const auto& w : kWriters) names += (names.empty() ? "" : ", ") + std::string(w.op);
    return invalid_argument(
        "--report: no operator in the graph has a report (those that do: " + names + ")");
  }
  std::vector<std::string> written;
  for (const auto& [node, write] : reporting) {
    std::string target = path;
    if (reporting.size() > 1) {
      std::filesystem::path p(path);
      target = (p.parent_path() /
                (p.stem().string() + "." + plan.nodes[size_t(node)].id + p.extension().string()))
                   .string();
    }
    FL_RETURN_IF_ERROR(write(renderer, plan, node, target, pipeline));
    written.push_back(target);
  }
  return written;
}

}  // namespace fl::looks
