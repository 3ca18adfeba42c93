// libFuzzer target for the REST API's request bodies: the depth-limited JSON parse, then the
// job, preview and session readers the handlers run on it. Every refusal must say something;
// nothing may crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json_text.h"
#include "graph/graph.h"
#include "service/job_runner.h"
#include "service/previews.h"
#include "service/request_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl;
  auto body =
      service::parse_request_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body.ok()) {
    if (body.status().message().empty()) std::abort();
    return 0;
  }
  auto job = service::job_spec_from_json(*body);
  if (!job.ok() && job.status().message().empty()) std::abort();
  if (job.ok()) {
    // What a handler does next: the graph goes to the graph parser.
    auto g = graph::parse_graph(json_text(job->graph), "graph");
    if (!g.ok() && g.status().message().empty()) std::abort();
  }
  auto preview = service::preview_request_from_json(*body);
  if (!preview.ok() && preview.status().message().empty()) std::abort();
  if (preview.ok() && (preview->scales.empty() || preview->frame < 0)) std::abort();
  return 0;
}
