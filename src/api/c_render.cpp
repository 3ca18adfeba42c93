// The C API's plans, cancellation and rendering (include/framelock/framelock.h).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/handles.h"
#include "render/output.h"

namespace fl::api {

namespace {

bool valid_scale(double s) { return s == 1.0 || s == 0.5 || s == 0.25 || s == 0.125; }

// The plan node a caller names (NULL: the first output's).
Result<int> plan_node(const graph::Plan& plan, const char* node) {
  if (node) {
    int i = plan.find(node);
    if (i < 0) return not_found(std::string("the plan has no node '") + node + "'", "node");
    return i;
  }
  if (plan.outputs.empty())
    return invalid_argument("the graph has no outputs: name the node to render", "node");
  return plan.outputs.front().node;
}

// `image` (float RGBA in frame coordinates) into the caller's buffer, `region` of it.
void copy_out(const Image& image, const Rect& region, framelock_pixel_format format, void* pixels,
              size_t row_bytes) {
  const size_t px = format == FRAMELOCK_RGBA_U16 ? 4 * sizeof(uint16_t) : 4 * sizeof(float);
  if (row_bytes == 0) row_bytes = px * size_t(region.w);
  auto* base = static_cast<unsigned char*>(pixels);
  for (int y = 0; y < region.h; ++y) {
    const float* src = image.at(region.x, region.y + y);
    unsigned char* dst = base + size_t(y) * row_bytes;
    if (format == FRAMELOCK_RGBA_F32) {
      std::memcpy(dst, src, px * size_t(region.w));
      continue;
    }
    auto* out = reinterpret_cast<uint16_t*>(dst);
    for (size_t i = 0; i < size_t(region.w) * 4; ++i) {
      const float v = std::isnan(src[i]) ? 0.f : std::clamp(src[i], 0.f, 1.f);
      out[i] = uint16_t(std::lround(v * 65535.f));
    }
  }
}

std::shared_ptr<graph::CancelToken> token_of(framelock_cancel* cancel) {
  return cancel ? cancel->token : std::make_shared<graph::CancelToken>();
}

}  // namespace

}  // namespace fl::api

using fl::ok_status;
using fl::Status;
using fl::api::guarded;
using fl::api::need;

extern "C" {

framelock_code framelock_plan_compile(framelock_engine* engine, const framelock_graph* graph,
                                      framelock_plan** out) {
  std::string node;
  return guarded(
      [&]() -> Status {
        FL_RETURN_IF_ERROR(need(out, "out"));
        *out = nullptr;
        FL_RETURN_IF_ERROR(need(engine, "engine"));
        FL_RETURN_IF_ERROR(need(graph, "graph"));
        auto typed = fl::api::typed_graph(*graph);
        Status s = typed.status();
        if (s.ok()) {
          fl::graph::CompileOptions options;
          options.probe = engine->renderer.prober();
          auto plan = fl::graph::compile(*typed, *engine->registry, options);
          if (plan.ok()) {
            *out = new framelock_plan{std::move(plan).value()};
            return ok_status();
          }
          s = plan.status();
        }
        node = fl::api::node_of(s.field(), &graph->graph);
        return s;
      },
      &node);
}

void framelock_plan_destroy(framelock_plan* plan) { delete plan; }

int framelock_plan_output_count(const framelock_plan* plan) {
  return plan ? int(plan->plan->outputs.size()) : 0;
}

size_t framelock_plan_warning_count(const framelock_plan* plan) {
  return plan ? plan->plan->warnings.size() : 0;
}

const char* framelock_plan_warning(const framelock_plan* plan, size_t index) {
  if (!plan || index >= plan->plan->warnings.size()) return nullptr;
  return plan->plan->warnings[index].c_str();
}

framelock_code framelock_plan_frame_size(const framelock_plan* plan, const char* node, double scale,
                                         int* width, int* height) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(plan, "plan"));
    if (!fl::api::valid_scale(scale))
      return fl::invalid_argument("scale must be 1, 0.5, 0.25 or 0.125", "scale");
    FL_ASSIGN_OR_RETURN(int n, fl::api::plan_node(*plan->plan, node));
    fl::Rect r = plan->plan->nodes[size_t(n)].geometry.bounds_at(scale);
    if (width) *width = r.w;
    if (height) *height = r.h;
    return ok_status();
  });
}

framelock_code framelock_plan_frame_count(const framelock_plan* plan, const char* node,
                                          int64_t* count) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(plan, "plan"));
    FL_RETURN_IF_ERROR(need(count, "count"));
    FL_ASSIGN_OR_RETURN(int n, fl::api::plan_node(*plan->plan, node));
    *count = plan->plan->nodes[size_t(n)].geometry.frame_count;
    return ok_status();
  });
}

framelock_code framelock_cancel_create(framelock_cancel** out) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(out, "out"));
    *out = new framelock_cancel;
    return ok_status();
  });
}

void framelock_cancel_trigger(framelock_cancel* cancel) {
  if (cancel) cancel->token->cancel();
}

int framelock_cancel_triggered(const framelock_cancel* cancel) {
  return cancel && cancel->token->cancelled();
}

void framelock_cancel_destroy(framelock_cancel* cancel) { delete cancel; }

framelock_code framelock_render_frame(framelock_engine* engine, const framelock_plan* plan,
                                      const char* node, int64_t frame, double scale,
                                      const framelock_rect* region, framelock_pixel_format format,
                                      void* pixels, size_t row_bytes, framelock_cancel* cancel) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(engine, "engine"));
    FL_RETURN_IF_ERROR(need(plan, "plan"));
    FL_RETURN_IF_ERROR(need(pixels, "pixels"));
    if (format != FRAMELOCK_RGBA_F32 && format != FRAMELOCK_RGBA_U16)
      return fl::invalid_argument("render_frame takes FRAMELOCK_RGBA_F32 or FRAMELOCK_RGBA_U16",
                                  "format");
    if (!fl::api::valid_scale(scale))
      return fl::invalid_argument("scale must be 1, 0.5, 0.25 or 0.125", "scale");
    const fl::graph::Plan& p = *plan->plan;
    FL_ASSIGN_OR_RETURN(int n, fl::api::plan_node(p, node));
    const fl::Rect whole = p.nodes[size_t(n)].geometry.bounds_at(scale);
    fl::Rect want = whole;
    if (region) {
      want = {region->x, region->y, region->width, region->height};
      if (want.empty() || !whole.contains(want))
        return fl::invalid_argument("the region must be a non-empty part of the " +
                                        std::to_string(whole.w) + "x" + std::to_string(whole.h) +
                                        " frame",
                                    "region");
    }
    const size_t px = format == FRAMELOCK_RGBA_U16 ? 8 : 16;
    if (row_bytes && row_bytes < px * size_t(want.w))
      return fl::invalid_argument("row_bytes is smaller than a row", "row_bytes");
    fl::render::RenderRequest req;
    req.frame = frame;
    req.scale = scale;
    req.region = want;
    req.cancel = fl::api::token_of(cancel);
    if (req.cancel->cancelled()) return fl::cancelled();
    FL_ASSIGN_OR_RETURN(auto image, engine->renderer.render(p, n, req));
    if (req.cancel->cancelled()) return fl::cancelled();
    fl::api::copy_out(*image, want, format, pixels, row_bytes);
    return ok_status();
  });
}

framelock_code framelock_render_progressive(framelock_engine* engine, const framelock_plan* plan,
                                            const char* node, int64_t frame, const double* scales,
                                            size_t count, framelock_level_fn on_level, void* user,
                                            framelock_cancel* cancel) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(engine, "engine"));
    FL_RETURN_IF_ERROR(need(plan, "plan"));
    FL_RETURN_IF_ERROR(need(scales, "scales"));
    FL_RETURN_IF_ERROR(need(reinterpret_cast<const void*>(on_level), "on_level"));
    if (count == 0) return fl::invalid_argument("no scales to render", "count");
    for (size_t i = 0; i < count; ++i)
      if (!fl::api::valid_scale(scales[i]))
        return fl::invalid_argument("scale must be 1, 0.5, 0.25 or 0.125", "scales");
    const fl::graph::Plan& p = *plan->plan;
    FL_ASSIGN_OR_RETURN(int n, fl::api::plan_node(p, node));
    auto token = fl::api::token_of(cancel);
    for (size_t i = 0; i < count; ++i) {
      if (token->cancelled()) return fl::cancelled();
      const bool last = i + 1 == count;
      fl::render::RenderRequest req;
      req.frame = frame;
      req.scale = scales[i];
      req.quality = last ? 2 : 1;  // the coarse levels may use a preview's shortcuts
      req.cancel = token;
      FL_ASSIGN_OR_RETURN(auto image, engine->renderer.render(p, n, req));
      if (token->cancelled()) return fl::cancelled();
      const fl::Rect b = image->bounds();
      if (on_level(user, scales[i], image->at(b.x, b.y), b.w, b.h, size_t(b.w) * 4 * sizeof(float),
                   last ? 1 : 0) != 0)
        return fl::cancelled("stopped by the level callback");
    }
    return ok_status();
  });
}

framelock_code framelock_render_output(framelock_engine* engine, const framelock_plan* plan,
                                       int output, const char* path, int64_t first, int64_t last,
                                       framelock_progress_fn progress, void* user,
                                       framelock_cancel* cancel) {
  return guarded([&]() -> Status {
    FL_RETURN_IF_ERROR(need(engine, "engine"));
    FL_RETURN_IF_ERROR(need(plan, "plan"));
    const fl::graph::Plan& p = *plan->plan;
    if (output < 0 || size_t(output) >= p.outputs.size())
      return fl::not_found("the plan has " + std::to_string(p.outputs.size()) +
                               " output(s), not an output " + std::to_string(output),
                           "output");
    fl::render::OutputOptions options;
    options.cancel = fl::api::token_of(cancel);
    if (first >= 0) {
      if (last < first) return fl::invalid_argument("last comes before first", "last");
      options.frames = fl::graph::FrameRange{first, last};
    }
    if (progress) {
      auto token = options.cancel;
      options.progress = [progress, user, token](const fl::render::Progress& pr) {
        if (progress(user, pr.frames_done, pr.frames_total) != 0) token->cancel();
      };
    }
    return fl::render::render_to_file(engine->renderer, p, p.outputs[size_t(output)], options,
                                      path ? path : "");
  });
}

}  // extern "C"
