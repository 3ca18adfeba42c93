// What the C API's opaque handles are, and the one guard every entry point runs its body in:
// exceptions end there, and each call leaves its outcome as the thread's last error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framelock/framelock.h"
#include "framelock/media.h"
#include "framelock/status.h"
#include "graph/graph.h"
#include "graph/plan.h"
#include "render/renderer.h"

struct framelock_engine {
  fl::render::Renderer renderer;
  const fl::graph::Registry* registry = nullptr;
  explicit framelock_engine(fl::render::RendererOptions options) : renderer(std::move(options)) {}
};

struct framelock_media {
  fl::MediaInfo info;
};

struct framelock_graph {
  fl::graph::Graph graph;
  // Per node (graph.nodes order): "key=value" texts typed against the schema at compile time,
  // when the registry says what each key is.
  std::vector<std::vector<std::string>> param_texts;
};

struct framelock_plan {
  std::shared_ptr<const fl::graph::Plan> plan;
};

struct framelock_cancel {
  std::shared_ptr<fl::graph::CancelToken> token = std::make_shared<fl::graph::CancelToken>();
};

namespace fl::api {

// The operators this library carries: src/api/variant/ has one definition per library.
const graph::Registry& registry();

// Records `status` as the calling thread's last error (clears it when ok) and returns its code.
// `node` names the graph node or source when the field does not already say (see node_of).
framelock_code finish(const Status& status, const std::string& node = {});
framelock_code fail(ErrorCode code, std::string message, std::string field = {});

// `text` in memory the caller frees with framelock_free().
char* malloc_text(const std::string& text);

// A NULL handle or argument, refused with its name as the field.
inline Status need(const void* p, const char* what) {
  return p ? ok_status() : invalid_argument(std::string(what) + " is NULL", what);
}

// The node or source a field is about: "nodes.grade.params.slope" -> "grade", when `graph`
// declares it (ids may hold dots).
std::string node_of(const std::string& field, const graph::Graph* graph);

// The graph with its key=value parameters typed against the schemas (an unknown op's are left
// for compile() to report with the rest).
Result<graph::Graph> typed_graph(const framelock_graph& handle);

// Runs `body` (returning Status) with every exception turned into FRAMELOCK_INTERNAL (or
// RESOURCE_EXHAUSTED for an allocation failure): nothing crosses the C boundary.
// `node`, when given, is read after `body` ran (it may set it).
template <class F>
framelock_code guarded(F&& body, const std::string* node = nullptr) {
  try {
    Status s = body();
    return finish(s, node && !s.ok() ? *node : std::string());
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kResourceExhausted, "out of memory");
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(ErrorCode::kInternal, "internal error");
  }
}

}  // namespace fl::api
