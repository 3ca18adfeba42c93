// The C API's errors, engine, media and graphs (include/framelock/framelock.h).
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/handles.h"
#include "core/json_text.h"
#include "framelock/version.h"
#include "graph/schema.h"

static_assert(FRAMELOCK_RESOURCE_EXHAUSTED == int(fl::ErrorCode::kResourceExhausted) &&
                  fl::kLastErrorCode == FRAMELOCK_RESOURCE_EXHAUSTED &&
                  FRAMELOCK_CANCELLED == int(fl::ErrorCode::kCancelled) &&
                  FRAMELOCK_INTERNAL == int(fl::ErrorCode::kInternal),
              "framelock_code mirrors fl::ErrorCode value for value");

namespace fl::api {

namespace {

struct LastError {
  framelock_code code = FRAMELOCK_OK;
  std::string message, field, node;
};
thread_local LastError last_error;

}  // namespace

framelock_code finish(const Status& status, const std::string& node) {
  LastError& e = last_error;
  e.code = framelock_code(status.code());
  e.message = status.message();
  e.field = status.field();
  e.node = node;
  return e.code;
}

framelock_code fail(ErrorCode code, std::string message, std::string field) {
  return finish(Status(code, std::move(message), std::move(field)));
}

char* malloc_text(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (!copy) throw std::bad_alloc();
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

std::string node_of(const std::string& field, const graph::Graph* graph) {
  if (!graph) return {};
  auto under = [&](const std::string& prefix, const std::string& id) {
    const std::string p = prefix + id;
    return field == p || (field.size() > p.size() && field.compare(0, p.size(), p) == 0 &&
                          field[p.size()] == '.');
  };
  std::string best;
  for (const auto& n : graph->nodes)
    if (under("nodes.", n.id) && n.id.size() > best.size()) best = n.id;
  for (const auto& s : graph->sources)
    if (under("sources.", s.id) && s.id.size() > best.size()) best = s.id;
  return best;
}

Result<graph::Graph> typed_graph(const framelock_graph& handle) {
  graph::Graph g = handle.graph;
  for (size_t i = 0; i < g.nodes.size() && i < handle.param_texts.size(); ++i) {
    graph::NodeDecl& n = g.nodes[i];
    const auto& texts = handle.param_texts[i];
    const graph::OpDef* def = texts.empty() ? nullptr : registry().find(n.op);
    if (!def) continue;
    auto typed = graph::params_from_strings(def->schema, texts);
    if (!typed.ok())
      return typed.status()
          .with_context("node '" + n.id + "': ")
          .with_field("nodes." + n.id + "." + typed.status().field());
    for (auto& [key, value] : typed->items()) n.params[key] = value;
  }
  return g;
}

namespace {

std::string text_or(const char* s, const char* fallback = "") { return s ? s : fallback; }

graph::NodeDecl* find_node(graph::Graph& g, const std::string& id, size_t* index = nullptr) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].id == id) {
      if (index) *index = i;
      return &g.nodes[i];
    }
  return nullptr;
}

bool declared(const graph::Graph& g, const std::string& id) {
  for (const auto& n : g.nodes)
    if (n.id == id) return true;
  for (const auto& s : g.sources)
    if (s.id == id) return true;
  return false;
}

}  // namespace

}  // namespace fl::api

using fl::ok_status;
using fl::Status;
using fl::api::guarded;
using fl::api::need;
using fl::api::text_or;

extern "C" {

const char* framelock_code_name(int code) {
  if (code < 0 || code > fl::kLastErrorCode) return "unknown";
  return fl::error_code_name(fl::ErrorCode(code)).data();
}

framelock_code framelock_last_error_code(void) { return fl::api::last_error.code; }
const char* framelock_last_error_message(void) { return fl::api::last_error.message.c_str(); }
const char* framelock_last_error_field(void) { return fl::api::last_error.field.c_str(); }
const char* framelock_last_error_node(void) { return fl::api::last_error.node.c_str(); }

const char* framelock_version_string(void) { return FL_VERSION_STRING; }

void framelock_version(int* major, int* minor, int* patch) {
  if (major) *major = FL_VERSION_MAJOR;
  if (minor) *minor = FL_VERSION_MINOR;
  if (patch) *patch = FL_VERSION_PATCH;
}

void framelock_free(char* text) { std::free(text); }

size_t framelock_op_count(void) {
  try {
    return fl::api::registry().list().size();
  } catch (...) {
    return 0;
  }
}

const char* framelock_op_name(size_t index) {
  try {
    // The registry is immutable once built, so its names outlive every caller.
    auto defs = fl::api::registry().list();
    return index < defs.size() ? defs[index]->schema.name.c_str() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

framelock_code framelock_engine_create(uint64_t cache_bytes, framelock_engine** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    fl::render::RendererOptions options;
    if (cache_bytes) options.cache_bytes = size_t(cache_bytes);
    auto engine = std::make_unique<framelock_engine>(std::move(options));
    engine->registry = &fl::api::registry();
    *out = engine.release();
    return ok_status();
  });
}

void framelock_engine_destroy(framelock_engine* engine) {
  try {
    delete engine;
  } catch (...) {
  }
}

framelock_code framelock_media_open(framelock_engine* engine, const char* path,
                                    framelock_media** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    FL_RETURN_IF_ERROR(need(engine, "engine"));
    FL_RETURN_IF_ERROR(need(path, "path"));
    FL_ASSIGN_OR_RETURN(fl::MediaInfo info, engine->renderer.probe(path));
    *out = new framelock_media{std::move(info)};
    return ok_status();
  });
}

void framelock_media_close(framelock_media* media) { delete media; }

int framelock_media_width(const framelock_media* m) { return m ? m->info.width : 0; }
int framelock_media_height(const framelock_media* m) { return m ? m->info.height : 0; }
int64_t framelock_media_frame_count(const framelock_media* m) {
  return m ? m->info.frame_count : 0;
}
void framelock_media_frame_rate(const framelock_media* m, int* num, int* den) {
  if (num) *num = m ? m->info.frame_rate.num : 0;
  if (den) *den = m ? m->info.frame_rate.den : 1;
}
int framelock_media_bit_depth(const framelock_media* m) { return m ? m->info.bit_depth : 0; }
int framelock_media_has_alpha(const framelock_media* m) { return m && m->info.has_alpha; }
double framelock_media_duration(const framelock_media* m) {
  return m ? m->info.duration_seconds : 0.0;
}

const char* framelock_media_text_of(const framelock_media* m, framelock_media_text which) {
  if (!m) return "";
  const fl::MediaInfo& i = m->info;
  switch (which) {
    case FRAMELOCK_MEDIA_PATH:
      return i.path.c_str();
    case FRAMELOCK_MEDIA_CONTAINER:
      return i.container.c_str();
    case FRAMELOCK_MEDIA_CODEC:
      return i.codec.c_str();
    case FRAMELOCK_MEDIA_PIXEL_FORMAT:
      return i.pixel_format.c_str();
    case FRAMELOCK_MEDIA_TIMECODE:
      return i.timecode.c_str();
    case FRAMELOCK_MEDIA_COLOR_PRIMARIES:
      return i.color_primaries.c_str();
    case FRAMELOCK_MEDIA_COLOR_TRANSFER:
      return i.color_transfer.c_str();
    case FRAMELOCK_MEDIA_COLOR_MATRIX:
      return i.color_matrix.c_str();
    case FRAMELOCK_MEDIA_COLOR_RANGE:
      return i.color_range.c_str();
  }
  return "";
}

framelock_code framelock_graph_create(framelock_graph** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = new framelock_graph;
    (*out)->graph.base_dir = std::filesystem::current_path().string();
    return ok_status();
  });
}

framelock_code framelock_graph_parse(const char* json, const char* base_dir,
                                     framelock_graph** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    FL_RETURN_IF_ERROR(need(json, "json"));
    std::string dir = base_dir ? base_dir : std::filesystem::current_path().string();
    FL_ASSIGN_OR_RETURN(fl::graph::Graph g, fl::graph::parse_graph(json, "graph", dir));
    auto handle = std::make_unique<framelock_graph>();
    handle->param_texts.resize(g.nodes.size());
    handle->graph = std::move(g);
    *out = handle.release();
    return ok_status();
  });
}

void framelock_graph_destroy(framelock_graph* graph) { delete graph; }

framelock_code framelock_graph_add_source(framelock_graph* graph, const char* id,
                                          const char* path) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_RETURN_IF_ERROR(need(id, "id"));
    FL_RETURN_IF_ERROR(need(path, "path"));
    if (!*id) return fl::invalid_argument("a source needs an id", "id");
    if (fl::api::declared(graph->graph, id))
      return fl::invalid_argument(std::string("'") + id + "' is already declared", "id");
    graph->graph.sources.push_back({id, path, "", "", std::nullopt});
    return ok_status();
  });
}

framelock_code framelock_graph_add_node(framelock_graph* graph, const char* id, const char* op,
                                        const char* params_json) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_RETURN_IF_ERROR(need(id, "id"));
    FL_RETURN_IF_ERROR(need(op, "op"));
    if (!*id) return fl::invalid_argument("a node needs an id", "id");
    if (fl::api::declared(graph->graph, id))
      return fl::invalid_argument(std::string("'") + id + "' is already declared", "id");
    fl::graph::NodeDecl decl;
    decl.id = id;
    decl.op = op;
    decl.params = nlohmann::json::object();
    if (params_json && *params_json) {
      auto parsed = nlohmann::json::parse(params_json, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object())
        return fl::invalid_argument(std::string("node '") + id + "': params must be a JSON object",
                                    "params_json");
      decl.params = std::move(parsed);
    }
    graph->graph.nodes.push_back(std::move(decl));
    graph->param_texts.emplace_back();
    return ok_status();
  });
}

framelock_code framelock_graph_set_param(framelock_graph* graph, const char* node, const char* key,
                                         const char* value) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_RETURN_IF_ERROR(need(node, "node"));
    FL_RETURN_IF_ERROR(need(key, "key"));
    FL_RETURN_IF_ERROR(need(value, "value"));
    size_t index = 0;
    if (!fl::api::find_node(graph->graph, node, &index))
      return fl::not_found(std::string("no node '") + node + "'", "node");
    if (!*key || std::strchr(key, '='))
      return fl::invalid_argument(std::string("bad parameter name '") + key + "'", "key");
    graph->param_texts[index].push_back(std::string(key) + "=" + value);
    return ok_status();
  });
}

framelock_code framelock_graph_connect(framelock_graph* graph, const char* from, const char* to,
                                       const char* input) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_RETURN_IF_ERROR(need(from, "from"));
    FL_RETURN_IF_ERROR(need(to, "to"));
    fl::graph::NodeDecl* n = fl::api::find_node(graph->graph, to);
    if (!n) return fl::not_found(std::string("no node '") + to + "'", "to");
    const bool positional = !input || !*input;
    if (!n->inputs.empty() && positional != n->positional_inputs)
      return fl::invalid_argument(
          std::string("node '") + to + "': inputs are either all named or all in order", "input");
    n->positional_inputs = positional;
    n->inputs.emplace_back(positional ? std::to_string(n->inputs.size()) : input, from);
    return ok_status();
  });
}

framelock_code framelock_graph_add_output(framelock_graph* graph, const char* node,
                                          const char* path, const char* codec) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_RETURN_IF_ERROR(need(node, "node"));
    FL_RETURN_IF_ERROR(need(path, "path"));
    fl::graph::OutputDecl o;
    o.node = node;
    o.path = path;
    o.codec = text_or(codec);
    graph->graph.outputs.push_back(std::move(o));
    return ok_status();
  });
}

framelock_code framelock_graph_to_json(const framelock_graph* graph, char** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    FL_RETURN_IF_ERROR(need(graph, "graph"));
    FL_ASSIGN_OR_RETURN(fl::graph::Graph typed, fl::api::typed_graph(*graph));
    *out = fl::api::malloc_text(fl::json_text(fl::graph::graph_to_json(typed), 2));
    return ok_status();
  });
}

}  // extern "C"
