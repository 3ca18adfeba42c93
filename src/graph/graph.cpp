#include "graph/graph.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include "core/json_text.h"

namespace fl::graph {

using json = nlohmann::json;

namespace {

std::string line_col(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, col = 1;
    else
      ++col;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

Result<std::optional<FrameRange>> parse_range(const json& j, const std::string& field) {
  if (!j.contains("frames")) return std::optional<FrameRange>{};
  const json& f = j["frames"];
  if (!f.is_array() || f.size() != 2 || !f[0].is_number_integer() || !f[1].is_number_integer())
    return invalid_argument(field + ".frames must be [first, last] integers", field + ".frames");
  FrameRange r{f[0].get<int64_t>(), f[1].get<int64_t>()};
  if (r.first < 0 || (r.last >= 0 && r.last < r.first))
    return invalid_argument(field + ".frames [" + std::to_string(r.first) + ", " +
                                std::to_string(r.last) + "] is not a valid range",
                            field + ".frames");
  return std::optional<FrameRange>(r);
}

Result<std::string> get_string(const json& j, const char* key, const std::string& field,
                               bool required) {
  if (!j.contains(key)) {
    if (required) return invalid_argument("missing " + field + "." + key, field + "." + key);
    return std::string();
  }
  if (!j[key].is_string())
    return invalid_argument(field + "." + key + " must be a string", field + "." + key);
  return j[key].get<std::string>();
}

}  // namespace

Result<Graph> parse_graph(std::string_view text, std::string_view name, std::string base_dir) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    auto pos = msg.find("syntax error");
    return invalid_argument(std::string(name) + ": invalid JSON at " + line_col(text, e.byte) +
                            ": " + (pos == std::string::npos ? msg : msg.substr(pos)));
  } catch (const json::exception& e) {  // e.g. a number too large for a double (out_of_range)
    return invalid_argument(std::string(name) + ": invalid JSON: " + e.what());
  }
  if (!root.is_object()) return invalid_argument(std::string(name) + ": a graph is a JSON object");
  static const char* kTopLevel[] = {"framelock", "sources", "nodes",        "outputs",
                                    "name",      "meta",    "working_space"};
  for (const auto& [key, _] : root.items()) {
    bool known = false;
    for (const char* k : kTopLevel) known |= key == k;
    if (!known) return invalid_argument("unknown top-level field '" + key + "'", key);
  }
  if (root.contains("framelock") && root["framelock"] != 1)
    return unsupported("graph format version " + json_text(root["framelock"]) +
                       " is newer than this framelock (1)");

  Graph g;
  g.base_dir = std::move(base_dir);
  if (root.contains("working_space")) {
    if (!root["working_space"].is_string())
      return invalid_argument("working_space must be a string (primaries, e.g. \"rec709\")",
                              "working_space");
    g.working_space = root["working_space"].get<std::string>();
  }
  auto resolve = [&](const std::string& p) {
    if (g.base_dir.empty() || p.empty() || p == "null" || std::filesystem::path(p).is_absolute())
      return p;
    return (std::filesystem::path(g.base_dir) / p).lexically_normal().string();
  };

  const json sources = root.value("sources", json::object());
  if (!sources.is_object()) return invalid_argument("sources must be an object", "sources");
  for (const auto& [id, s] : sources.items()) {
    std::string field = "sources." + id;
    SourceDecl d;
    d.id = id;
    if (s.is_string()) {
      d.path = resolve(s.get<std::string>());
    } else if (s.is_object()) {
      FL_ASSIGN_OR_RETURN(std::string path, get_string(s, "path", field, true));
      d.path = resolve(path);
      FL_ASSIGN_OR_RETURN(d.transfer, get_string(s, "transfer", field, false));
      FL_ASSIGN_OR_RETURN(d.primaries, get_string(s, "primaries", field, false));
      FL_ASSIGN_OR_RETURN(d.frames, parse_range(s, field));
    } else {
      return invalid_argument(field + " must be a path or an object with \"path\"", field);
    }
    g.sources.push_back(std::move(d));
  }

  const json nodes = root.value("nodes", json::object());
  if (!nodes.is_object()) return invalid_argument("nodes must be an object", "nodes");
  for (const auto& [id, n] : nodes.items()) {
    std::string field = "nodes." + id;
    if (!n.is_object()) return invalid_argument(field + " must be an object", field);
    for (const auto& [key, _] : n.items()) {
      if (key != "op" && key != "inputs" && key != "params")
        return invalid_argument("node '" + id + "': unknown field '" + key + "'",
                                field + "." + key);
    }
    NodeDecl d;
    d.id = id;
    FL_ASSIGN_OR_RETURN(d.op, get_string(n, "op", field, true));
    d.params = n.value("params", json::object());
    if (!d.params.is_object())
      return invalid_argument("node '" + id + "': params must be an object", field + ".params");
    if (n.contains("inputs")) {
      const json& in = n["inputs"];
      if (in.is_array()) {
        d.positional_inputs = true;
        for (const auto& v : in) {
          if (!v.is_string())
            return invalid_argument("node '" + id + "': inputs must name sources or nodes",
                                    field + ".inputs");
          d.inputs.emplace_back("", v.get<std::string>());
        }
      } else if (in.is_object()) {
        for (const auto& [name, v] : in.items()) {
          if (!v.is_string())
            return invalid_argument(
                "node '" + id + "': input '" + name + "' must name a source or node",
                field + ".inputs." + name);
          d.inputs.emplace_back(name, v.get<std::string>());
        }
      } else if (in.is_string()) {
        d.positional_inputs = true;
        d.inputs.emplace_back("", in.get<std::string>());
      } else {
        return invalid_argument("node '" + id + "': inputs must be an object or array",
                                field + ".inputs");
      }
    }
    g.nodes.push_back(std::move(d));
  }

  const json outputs = root.value("outputs", json::array());
  if (!outputs.is_array()) return invalid_argument("outputs must be an array", "outputs");
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string field = "outputs[" + std::to_string(i) + "]";
    const json& o = outputs[i];
    if (!o.is_object()) return invalid_argument(field + " must be an object", field);
    OutputDecl d;
    FL_ASSIGN_OR_RETURN(d.node, get_string(o, "node", field, true));
    FL_ASSIGN_OR_RETURN(std::string path, get_string(o, "path", field, false));
    d.path = resolve(path);
    FL_ASSIGN_OR_RETURN(d.codec, get_string(o, "codec", field, false));
    FL_ASSIGN_OR_RETURN(d.pixel_format, get_string(o, "pixel_format", field, false));
    FL_ASSIGN_OR_RETURN(d.primaries, get_string(o, "primaries", field, false));
    FL_ASSIGN_OR_RETURN(d.frames, parse_range(o, field));
    if (o.contains("options")) {
      if (!o["options"].is_object())
        return invalid_argument(field + ".options must be an object", field + ".options");
      for (const auto& [k, v] : o["options"].items())
        d.options[k] = v.is_string() ? v.get<std::string>() : json_text(v);
    }
    g.outputs.push_back(std::move(d));
  }
  return g;
}

Result<Graph> read_graph_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return not_found(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return permission_denied(path + ": cannot open for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dir = std::filesystem::absolute(path).parent_path().string();
  return parse_graph(ss.str(), path, dir);
}

json graph_to_json(const Graph& g) {
  json root = {{"framelock", 1},
               {"sources", json::object()},
               {"nodes", json::object()},
               {"outputs", json::array()}};
  for (const auto& s : g.sources) {
    json j = {{"path", s.path}};
    if (!s.transfer.empty()) j["transfer"] = s.transfer;
    if (!s.primaries.empty()) j["primaries"] = s.primaries;
    if (s.frames) j["frames"] = {s.frames->first, s.frames->last};
    root["sources"][s.id] = j;
  }
  for (const auto& n : g.nodes) {
    json j = {{"op", n.op}, {"params", n.params}};
    if (n.positional_inputs) {
      j["inputs"] = json::array();
      for (const auto& [_, up] : n.inputs) j["inputs"].push_back(up);
    } else {
      j["inputs"] = json::object();
      for (const auto& [name, up] : n.inputs) j["inputs"][name] = up;
    }
    root["nodes"][n.id] = j;
  }
  if (!g.working_space.empty()) root["working_space"] = g.working_space;
  for (const auto& o : g.outputs) {
    json j = {{"node", o.node}, {"path", o.path}};
    if (!o.primaries.empty()) j["primaries"] = o.primaries;
    if (!o.codec.empty()) j["codec"] = o.codec;
    if (!o.pixel_format.empty()) j["pixel_format"] = o.pixel_format;
    if (o.frames) j["frames"] = {o.frames->first, o.frames->last};
    if (!o.options.empty()) j["options"] = o.options;
    root["outputs"].push_back(j);
  }
  return root;
}

}  // namespace fl::graph
