// The edit graph as the user wrote it (JSON), before validation and compilation.
//
//   {
//     "framelock": 1,
//     "working_space": "rec709",
//     "sources": { "clip": { "path": "shot.mov", "frames": [0, 99], "transfer": "rec709",
//                            "primaries": "rec709" } },
//     "nodes": {
//       "grade": { "op": "cdl", "inputs": { "in": "clip" }, "params": { "slope": [1.1, 1, 0.9] } },
//       "look":  { "op": "lut3d", "inputs": ["grade"], "params": { "file": "look.cube" } }
//     },
//     "outputs": [ { "node": "look", "path": "out.mov" } ]
//   }
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::graph {

struct FrameRange {
  int64_t first = 0;
  int64_t last = -1;  // inclusive; -1: to the end
};

struct SourceDecl {
  std::string id;
  std::string path;       // resolved against the graph's folder
  std::string transfer;   // empty: from the media's tags
  std::string primaries;  // empty: from the media's tags (colour/primaries.h names)
  std::optional<FrameRange> frames;
};

struct NodeDecl {
  std::string id;
  std::string op;
  nlohmann::json params;
  // (input name, upstream id); positional inputs get the schema's names at compile time.
  std::vector<std::pair<std::string, std::string>> inputs;
  bool positional_inputs = false;
};

struct OutputDecl {
  std::string node;
  std::string path;
  std::string codec;
  std::string pixel_format;
  std::map<std::string, std::string> options;
  std::optional<FrameRange> frames;
  std::string primaries;  // empty: the working space's
};

struct Graph {
  std::vector<SourceDecl> sources;
  std::vector<NodeDecl> nodes;
  std::vector<OutputDecl> outputs;
  // Primaries every source is converted into after decoding; empty: the first source's.
  std::string working_space;
  std::string base_dir;
};

// `name` appears in errors ("edit.json: line 3, column 7: ...").
Result<Graph> parse_graph(std::string_view text, std::string_view name = "graph",
                          std::string base_dir = {});
Result<Graph> read_graph_file(const std::string& path);
nlohmann::json graph_to_json(const Graph& g);

}  // namespace fl::graph
