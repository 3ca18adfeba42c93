// The C API's filters (include/framelock/framelock.h): one pointwise operator over frames a
// plugin host holds. The frame becomes the one frame of a source the renderer never decodes (it
// is handed over pinned), so the op runs through the same plan, fusion and tiles as any graph,
// and the code values go through the same curves and rounding as a still read and written by
// `framelock apply`.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "api/handles.h"
#include "colour/transfer.h"
#include "core/json_text.h"
#include "graph/schema.h"

struct framelock_filter {
  framelock_engine* engine = nullptr;
  const fl::graph::OpDef* def = nullptr;
  std::string transfer_name;
  fl::colour::Transfer transfer = fl::colour::Transfer::kSrgb;
  std::map<std::string, std::string> texts;  // parameters as set, by key
  // Compiled for the parameters and frame size it was made with; dropped when either changes.
  std::shared_ptr<const fl::graph::Plan> plan;
  int plan_width = 0, plan_height = 0;
  int node = -1, source = -1;
  // Code value -> linear light, for 8-bit and 16-bit frames (made on first use).
  std::vector<float> to_linear8, to_linear16;
};

namespace fl::api {

namespace {

// What the host's frame claims to be, for compile(): one frame, no file behind it.
constexpr const char* kHostFrame = "(host frame)";

Status compile_filter(framelock_filter& f, int width, int height) {
  std::vector<std::string> assignments;
  for (const auto& [key, value] : f.texts) assignments.push_back(key + "=" + value);
  FL_ASSIGN_OR_RETURN(nlohmann::json params,
                      graph::params_from_strings(f.def->schema, assignments));
  graph::Graph g;
  g.sources.push_back({.id = "in", .path = kHostFrame, .transfer = f.transfer_name});
  graph::NodeDecl node;
  node.id = "filter";
  node.op = f.def->schema.name;
  node.params = std::move(params);
  node.inputs = {{f.def->schema.inputs.front().name, "in"}};
  g.nodes.push_back(std::move(node));
  graph::CompileOptions options;
  options.probe = [&](const std::string& path) -> Result<MediaInfo> {
    MediaInfo info;
    info.path = path;
    info.container = "host";
    info.width = width;
    info.height = height;
    info.frame_rate = {25, 1};
    info.frame_count = 1;
    return info;
  };
  auto plan = graph::compile(g, *f.engine->registry, options);
  if (!plan.ok()) {
    // "nodes.filter.params.slope" -> "params.slope": the host knows no graph.
    std::string field = plan.status().field();
    if (field.rfind("nodes.filter.", 0) == 0) field = field.substr(13);
    return plan.status().with_field(field);
  }
  f.plan = *plan;
  f.plan_width = width;
  f.plan_height = height;
  f.node = f.plan->find("filter");
  f.source = f.plan->find("in");
  return ok_status();
}

size_t pixel_bytes(framelock_pixel_format format) {
  return format == FRAMELOCK_RGBA_U8 ? 4 : format == FRAMELOCK_RGBA_U16 ? 8 : 16;
}

// Integer code values to linear light, made once per filter: the same curve.to_linear(code / max)
// the still reader computes per value, looked up.
const std::vector<float>& code_table(framelock_filter& f, framelock_pixel_format format,
                                     const colour::TransferCurve& curve) {
  std::vector<float>& table = format == FRAMELOCK_RGBA_U8 ? f.to_linear8 : f.to_linear16;
  if (table.empty()) {
    const int top = format == FRAMELOCK_RGBA_U8 ? 255 : 65535;
    table.resize(size_t(top) + 1);
    for (int v = 0; v <= top; ++v) {
      const float encoded = float(v) / float(top);
      table[size_t(v)] = curve.is_linear() ? encoded : curve.to_linear(encoded);
    }
  }
  return table;
}

// The caller's code values as linear light with associated alpha, as the still reader makes it.
template <class Code>
void read_codes(const void* in, size_t row_bytes, const std::vector<float>& table, float top,
                Image& image) {
  for (int y = 0; y < image.height(); ++y) {
    const auto* row = reinterpret_cast<const Code*>(static_cast<const unsigned char*>(in) +
                                                    size_t(y) * row_bytes);
    float* dst = image.at(0, y);
    for (int x = 0; x < image.width(); ++x, row += 4, dst += 4) {
      const float a = float(row[3]) / top;
      dst[0] = table[row[0]] * a, dst[1] = table[row[1]] * a, dst[2] = table[row[2]] * a;
      dst[3] = a;
    }
  }
}

Image read_in(framelock_filter& f, const void* in, size_t row_bytes, int width, int height,
              framelock_pixel_format format, const colour::TransferCurve& curve) {
  Image image(width, height);
  if (format == FRAMELOCK_RGBA_U8) {
    read_codes<uint8_t>(in, row_bytes, code_table(f, format, curve), 255.f, image);
    return image;
  }
  if (format == FRAMELOCK_RGBA_U16) {
    read_codes<uint16_t>(in, row_bytes, code_table(f, format, curve), 65535.f, image);
    return image;
  }
  for (int y = 0; y < height; ++y)
    std::memcpy(image.at(0, y), static_cast<const unsigned char*>(in) + size_t(y) * row_bytes,
                size_t(width) * 4 * sizeof(float));
  if (!curve.is_linear()) curve.rgba_to_linear(image.data(), image.pixel_count());
  float* p = image.data();
  for (size_t i = 0; i < image.pixel_count(); ++i, p += 4) p[0] *= p[3], p[1] *= p[3], p[2] *= p[3];
  return image;
}

// Back to straight alpha and code values, rounded as the still writer rounds them.
void write_out(const Image& image, void* out, size_t row_bytes, framelock_pixel_format format,
               const colour::TransferCurve& curve) {
  std::vector<float> rgba(size_t(image.width()) * 4);
  for (int y = 0; y < image.height(); ++y) {
    std::memcpy(rgba.data(), image.at(image.bounds().x, image.bounds().y + y),
                rgba.size() * sizeof(float));
    float* p = rgba.data();
    for (int x = 0; x < image.width(); ++x, p += 4)
      if (p[3] > 0) p[0] /= p[3], p[1] /= p[3], p[2] /= p[3];
    if (!curve.is_linear()) curve.rgba_to_encoded(rgba.data(), size_t(image.width()));
    auto* row = static_cast<unsigned char*>(out) + size_t(y) * row_bytes;
    if (format == FRAMELOCK_RGBA_F32) {
      std::memcpy(row, rgba.data(), rgba.size() * sizeof(float));
      continue;
    }
    const float top = format == FRAMELOCK_RGBA_U8 ? 255.f : 65535.f;
    for (size_t i = 0; i < rgba.size(); ++i) {
      const float v = std::isnan(rgba[i]) ? 0.f : std::clamp(rgba[i], 0.f, 1.f);
      const auto code = uint16_t(v * top + 0.5f);  // v >= 0: lround's rounding, without the call
      if (format == FRAMELOCK_RGBA_U8)
        row[i] = uint8_t(code);
      else
        reinterpret_cast<uint16_t*>(row)[i] = code;
    }
  }
}

}  // namespace

}  // namespace fl::api

using fl::ok_status;
using fl::Status;
using fl::api::guarded;
using fl::api::need;

extern "C" {

framelock_code framelock_op_schema(const char* op, char** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    FL_RETURN_IF_ERROR(need(op, "op"));
    const auto* def = fl::api::registry().find(op);
    if (!def) return fl::not_found(std::string("unknown operator '") + op + "'", "op");
    *out = fl::api::malloc_text(fl::json_text(def->schema.to_json(), 2));
    return ok_status();
  });
}

framelock_code framelock_filter_create(framelock_engine* engine, const char* op,
                                       const char* transfer, framelock_filter** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = nullptr;
    FL_RETURN_IF_ERROR(need(engine, "engine"));
    FL_RETURN_IF_ERROR(need(op, "op"));
    const auto* def = engine->registry->find(op);
    if (!def) return fl::not_found(std::string("unknown operator '") + op + "'", "op");
    const auto& schema = def->schema;
    if (schema.inputs.size() != 1 || !schema.pointwise ||
        schema.window != fl::graph::TemporalWindow{})
      return fl::invalid_argument(
          "'" + schema.name +
              "' cannot run as a filter: a filter is a pointwise operator with one input, and "
              "this one reads other pixels, frames or inputs, or changes the frame's size",
          "op");
    const std::string name = transfer ? transfer : "srgb";
    auto curve = fl::colour::parse_transfer(name);
    if (!curve.ok()) return curve.status().with_field("transfer");
    auto filter = std::make_unique<framelock_filter>();
    filter->engine = engine;
    filter->def = def;
    filter->transfer_name = name;
    filter->transfer = *curve;
    *out = filter.release();
    return ok_status();
  });
}

void framelock_filter_destroy(framelock_filter* filter) { delete filter; }

framelock_code framelock_filter_set_param(framelock_filter* filter, const char* key,
                                          const char* value) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(filter, "filter"));
    FL_RETURN_IF_ERROR(need(key, "key"));
    FL_RETURN_IF_ERROR(need(value, "value"));
    const fl::graph::OpSchema& schema = filter->def->schema;
    const fl::graph::ParamSpec* spec = schema.find_param(key);
    if (!spec)
      return fl::invalid_argument("'" + schema.name + "' has no parameter '" + key + "'",
                                  std::string("params.") + key);
    // This parameter alone, typed and range-checked: the others may not be set yet.
    fl::graph::OpSchema one = schema;
    one.params = {*spec};
    const std::string assignment = std::string(key) + "=" + value;
    FL_ASSIGN_OR_RETURN(nlohmann::json typed, fl::graph::params_from_strings(one, {assignment}));
    FL_RETURN_IF_ERROR(fl::graph::validate_params(one, typed).status());
    filter->texts[key] = value;
    filter->plan.reset();
    return ok_status();
  });
}

framelock_code framelock_filter_apply(framelock_filter* filter, int width, int height,
                                      framelock_pixel_format format, const void* in,
                                      size_t in_row_bytes, void* out, size_t out_row_bytes) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(filter, "filter"));
    FL_RETURN_IF_ERROR(need(in, "in"));
    FL_RETURN_IF_ERROR(need(out, "out"));
    if (width <= 0 || height <= 0)
      return fl::invalid_argument("the frame is " + std::to_string(width) + "x" +
                                      std::to_string(height) + ": both must be at least 1",
                                  "width");
    if (format != FRAMELOCK_RGBA_U8 && format != FRAMELOCK_RGBA_U16 && format != FRAMELOCK_RGBA_F32)
      return fl::invalid_argument("unknown pixel format", "format");
    const size_t packed = fl::api::pixel_bytes(format) * size_t(width);
    if (in_row_bytes == 0) in_row_bytes = packed;
    if (out_row_bytes == 0) out_row_bytes = packed;
    if (in_row_bytes < packed || out_row_bytes < packed)
      return fl::invalid_argument("row_bytes is shorter than a row of the frame", "row_bytes");
    if (!filter->plan || filter->plan_width != width || filter->plan_height != height)
      FL_RETURN_IF_ERROR(fl::api::compile_filter(*filter, width, height));

    const auto& curve = fl::colour::TransferCurve::get(filter->transfer);
    auto frame = std::make_shared<const fl::Image>(
        fl::api::read_in(*filter, in, in_row_bytes, width, height, format, curve));
    const fl::render::PinnedFrames pinned{{{filter->source, 0}, frame}};
    fl::render::RenderRequest request;
    request.pinned = &pinned;
    request.cache_intermediates = false;  // the next frame comes under the same key
    request.keep_sources = false;
    request.cancel = std::make_shared<fl::graph::CancelToken>();
    FL_ASSIGN_OR_RETURN(auto result,
                        filter->engine->renderer.render(*filter->plan, filter->node, request));
    fl::api::write_out(*result, out, out_row_bytes, format, curve);
    return ok_status();
  });
}

}  // extern "C"
