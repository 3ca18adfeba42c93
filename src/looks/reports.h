// `--report PATH`: each node whose operator has a report writes it (today scene_lock's contact
// sheet and JSON). Dispatch is by operator name, so a graph may hold any other ops around them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "render/renderer.h"

namespace fl::looks {

// Writes `path` (and its .json) for `node`, whose operator is the one the writer was named for.
using ReportWriter = Status (*)(render::Renderer& renderer, const graph::Plan& plan, int node,
                                const std::string& path, const OutputPipeline& pipeline);

// The writer for an operator ("scene_lock"), or nullptr when it has no report.
ReportWriter report_writer(std::string_view op_name);

// Every report the plan's nodes have. One reporting node writes `path` itself; several write
// `<stem>.<node id><ext>` beside it. Returns the files written; none is an error that says
// which operators have reports.
Result<std::vector<std::string>> write_reports(render::Renderer& renderer, const graph::Plan& plan,
                                               const std::string& path,
                                               const OutputPipeline& pipeline);

}  // namespace fl::looks
