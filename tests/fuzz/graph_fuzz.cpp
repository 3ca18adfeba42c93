// libFuzzer target for edit-graph JSON: parse, then validate and compile against the real
// operator registry (media probing is faked, so only the graph logic is exercised).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json_text.h"
#include "graph/plan.h"
#include "ops/register.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl;
  auto g =
      graph::parse_graph(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  if (!g.ok()) {
    if (g.status().message().empty()) std::abort();  // every error must say something
    return 0;
  }
  // Whatever parses must serialise and parse back to the same graph.
  auto again = graph::parse_graph(json_text(graph::graph_to_json(*g)), "again.json");
  if (!again.ok() || graph::graph_to_json(*again) != graph::graph_to_json(*g)) std::abort();
  graph::CompileOptions options;
  options.probe = [](const std::string& path) -> Result<MediaInfo> {
    if (path.empty() || path[0] == 'x') return not_found(path + ": no such file");
    MediaInfo m;
    m.width = 64 + int(path.size());
    m.height = 48;
    m.frame_count = 1 + int64_t(path.size() % 7);
    return m;
  };
  auto plan = graph::compile(*g, ops::builtin_registry(), options);
  if (!plan.ok() && plan.status().message().empty()) std::abort();
  return 0;
}
