// The components of the OpenAPI document: one schema per operator's node, generated from the
// operator schemas, and the bodies the API reads and writes.
#include "openapi_parts.h"

namespace fl::server {

namespace {

using nlohmann::json;

json param_schema(const graph::ParamSpec& p) {
  json s;
  switch (p.type) {
    case graph::ParamType::kFloat:
      s = {{"type", "number"}};
      break;
    case graph::ParamType::kInt:
      s = {{"type", "integer"}};
      break;
    case graph::ParamType::kBool:
      s = {{"type", "boolean"}};
      break;
    case graph::ParamType::kString:
    case graph::ParamType::kPath:
      s = {{"type", "string"}};
      break;
    case graph::ParamType::kEnum:
      s = {{"type", "string"}, {"enum", p.choices}};
      break;
    case graph::ParamType::kVec3: {
      json item = {{"type", "number"}};
      if (p.min) item["minimum"] = *p.min;
      if (p.max) item["maximum"] = *p.max;
      s = {{"type", "array"}, {"items", item}, {"minItems", 3}, {"maxItems", 3}};
      break;
    }
  }
  if (p.type == graph::ParamType::kFloat || p.type == graph::ParamType::kInt) {
    if (p.min) s["minimum"] = *p.min;
    if (p.max) s["maximum"] = *p.max;
  }
  if (p.type == graph::ParamType::kPath) s["format"] = "path";
  if (p.default_value) s["default"] = graph::param_value_to_json(*p.default_value);
  s["description"] = p.doc;
  return s;
}

json op_node_schema(const graph::OpSchema& op) {
  json props = json::object(), required = json::array();
  for (const auto& p : op.params) {
    props[p.name] = param_schema(p);
    if (p.required()) required.push_back(p.name);
  }
  json params = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
  if (!required.empty()) params["required"] = required;
  json inputs = json::object();
  for (const auto& in : op.inputs)
    inputs[in.name] = {{"type", "string"}, {"description", "id of the upstream source or node"}};
  return {{"type", "object"},
          {"description", op.doc},
          {"required", json::array({"op"})},
          {"properties",
           {{"op", {{"type", "string"}, {"enum", json::array({op.name, op.id()})}}},
            {"inputs",
             {{"oneOf", json::array({{{"type", "object"}, {"properties", inputs}},
                                     {{"type", "array"}, {"items", {{"type", "string"}}}}})}}},
            {"params", params}}}};
}

}  // namespace

json component_schemas(const graph::Registry& registry) {
  json schemas = json::object();
  json node_refs = json::array();
  for (const auto* def : registry.list()) {
    std::string name = "Op_" + def->schema.name;
    schemas[name] = op_node_schema(def->schema);
    node_refs.push_back(ref(name));
  }
  schemas["Error"] = {
      {"type", "object"},
      {"required", json::array({"error"})},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}, {"description", "invalid_argument, not_found, ..."}}},
            {"message", {{"type", "string"}}},
            {"field",
             {{"type", "string"},
              {"description",
               "JSON path of the offending field, e.g. nodes.grade.params.slope"}}}}}}}}}};
  schemas["Source"] = {
      {"type", "object"},
      {"description",
       "A clip, still or sequence: a registered media id or a path under a media root"},
      {"properties",
       {{"media", {{"type", "string"}}},
        {"path", {{"type", "string"}}},
        {"frames",
         {{"type", "array"}, {"items", {{"type", "integer"}}}, {"minItems", 2}, {"maxItems", 2}}},
        {"transfer", {{"type", "string"}}},
        {"primaries", {{"type", "string"}}}}}};
  schemas["Node"] = {{"oneOf", node_refs}, {"discriminator", {{"propertyName", "op"}}}};
  schemas["Graph"] = {{"type", "object"},
                      {"required", json::array({"sources"})},
                      {"properties",
                       {{"framelock", {{"type", "integer"}}},
                        {"working_space", {{"type", "string"}}},
                        {"sources", {{"type", "object"}, {"additionalProperties", ref("Source")}}},
                        {"nodes", {{"type", "object"}, {"additionalProperties", ref("Node")}}},
                        {"outputs", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  schemas["JobRequest"] = {
      {"type", "object"},
      {"required", json::array({"graph"})},
      {"properties",
       {{"graph", ref("Graph")},
        {"project", project_property()},
        {"output",
         {{"type", "object"},
          {"properties",
           {{"node", {{"type", "string"}}},
            {"name",
             {{"type", "string"}, {"description", "file name; the extension picks the codec"}}},
            {"codec", {{"type", "string"}}},
            {"pix_fmt", {{"type", "string"}}},
            {"frames",
             {{"type", "array"},
              {"items", {{"type", "integer"}}},
              {"minItems", 2},
              {"maxItems", 2}}}}}}}}}};
  schemas["Job"] = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"project", {{"type", "string"}}},
        {"state",
         {{"type", "string"},
          {"enum", json::array({"queued", "running", "succeeded", "failed", "cancelled"})}}},
        {"frames_total", {{"type", "integer"}}},
        {"frames_done", {{"type", "integer"}}},
        {"progress", {{"type", "number"}}},
        {"warnings",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description",
           "What the graph's compile noticed and handled (a mask resampled to the clip's "
           "size), one line each naming its node; absent when there is nothing to say."}}},
        {"review",
         {{"type", "string"},
          {"enum", json::array({"held", "approved", "rejected"})},
          {"description",
           "the content policy's hold (docs/security.md): held until a project admin "
           "approves or rejects; absent when nothing was held"}}},
        {"watermark",
         {{"type", "object"},
          {"properties", {{"record", {{"type", "integer"}}}}},
          {"description",
           "the invisible watermark its frames carry (docs/provenance.md): the audit record "
           "(seq) the payload names; absent when its output is not marked"}}},
        {"error", ref("Error")}}}};
  schemas["PreviewRequest"] = {
      {"type", "object"},
      {"required", json::array({"graph"})},
      {"properties",
       {{"project", project_property()},
        {"session", {{"type", "string"}}},
        {"client", {{"type", "string"}, {"maxLength", 64}}},
        {"seq", {{"type", "integer"}, {"minimum", 1}}},
        {"graph", ref("Graph")},
        {"node", {{"type", "string"}}},
        {"frame", {{"type", "integer"}, {"minimum", 0}}},
        {"scales",
         {{"type", "array"},
          {"items", {{"type", "number"}, {"enum", json::array({0.125, 0.25, 0.5, 1})}}}}},
        {"format", {{"type", "string"}, {"enum", json::array({"jpeg", "png"})}}},
        {"quality", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}}}};
  schemas["PreviewLevel"] = {{"type", "object"},
                             {"properties",
                              {{"request", {{"type", "integer"}}},
                               {"level", {{"type", "integer"}}},
                               {"scale", {{"type", "number"}}},
                               {"seconds", {{"type", "number"}}},
                               {"final", {{"type", "boolean"}}},
                               {"width", {{"type", "integer"}}},
                               {"height", {{"type", "integer"}}},
                               {"image", {{"type", "string"}, {"description", "data: URL"}}}}}};
  return schemas;
}

}  // namespace fl::server
