// framelock's C++ API: value types and move-only handles over the C API of framelock.h, inline
// in this header. Only the C ABI crosses into libframelock.so, so an embedder built with another
// standard library or compiler version still links; the versioned inline namespace keeps two
// incompatible versions of these classes apart in one program. Errors are Status values, as in
// the engine; the only exceptions are the ones an embedder's own callbacks throw, which are
// carried across the library and rethrown to it.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "framelock/framelock.h"

namespace framelock {
inline namespace v0 {

enum class Code : int {
  kOk = FRAMELOCK_OK,
  kInvalidArgument = FRAMELOCK_INVALID_ARGUMENT,
  kNotFound = FRAMELOCK_NOT_FOUND,
  kPermissionDenied = FRAMELOCK_PERMISSION_DENIED,
  kCorruptData = FRAMELOCK_CORRUPT_DATA,
  kUnsupported = FRAMELOCK_UNSUPPORTED,
  kCancelled = FRAMELOCK_CANCELLED,
  kIo = FRAMELOCK_IO,
  kInternal = FRAMELOCK_INTERNAL,
  kConflict = FRAMELOCK_CONFLICT,
  kUnauthenticated = FRAMELOCK_UNAUTHENTICATED,
  kResourceExhausted = FRAMELOCK_RESOURCE_EXHAUSTED,
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string field = {}, std::string node = {})
      : code_(code),
        message_(std::move(message)),
        field_(std::move(field)),
        node_(std::move(node)) {}
  // What the C call that just returned `code` on this thread recorded.
  static Status from(framelock_code code) {
    if (code == FRAMELOCK_OK) return {};
    return {Code(code), framelock_last_error_message(), framelock_last_error_field(),
            framelock_last_error_node()};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }  // "nodes.grade.params.slope" or ""
  const std::string& node() const { return node_; }    // "grade" or ""
  std::string to_string() const {
    return ok() ? "ok" : std::string(framelock_code_name(framelock_code(code_))) + ": " + message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_, field_, node_;
};

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(Code::kInternal, "a Result made from an ok Status");
  }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Only when ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

namespace detail {

// One owned C handle; D is its destroy function.
template <class H, void (*D)(H*)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(H* h) : h_(h) {}
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      if (h_) D(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (h_) D(h_);
  }
  H* get() const { return h_; }

 private:
  H* h_ = nullptr;
};

inline const char* c_str_or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// A callback's exception, held while the C call unwinds and rethrown once it has returned.
struct Trap {
  std::exception_ptr error;
  void rethrow() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

inline std::string version() { return framelock_version_string(); }

inline std::vector<std::string> operators() {
  std::vector<std::string> out;
  for (size_t i = 0, n = framelock_op_count(); i < n; ++i) out.emplace_back(framelock_op_name(i));
  return out;
}

struct MediaInfo {
  std::string path, container, codec, pixel_format, timecode;
  std::string color_primaries, color_transfer, color_matrix, color_range;  // FFmpeg's names
  int width = 0, height = 0;
  int64_t frame_count = 0;
  int rate_num = 0, rate_den = 1;
  int bit_depth = 0;
  bool has_alpha = false;
  double duration_seconds = 0;
  double frame_rate() const { return rate_den ? double(rate_num) / rate_den : 0.0; }
};

// Cancels a render from any thread. One-shot: use a new token for the next render.
class CancelToken {
 public:
  CancelToken() {
    framelock_cancel* c = nullptr;
    if (framelock_cancel_create(&c) == FRAMELOCK_OK) h_ = decltype(h_)(c);
  }
  void cancel() const { framelock_cancel_trigger(h_.get()); }
  bool cancelled() const { return framelock_cancel_triggered(h_.get()) != 0; }
  framelock_cancel* get() const { return h_.get(); }

 private:
  detail::Handle<framelock_cancel, framelock_cancel_destroy> h_;
};

// A graph built in code or read from JSON. Errors in what it says (unknown ops, bad params,
// dangling inputs) are found by Engine::compile, which names the node and the field.
class Graph {
 public:
  Graph() {
    framelock_graph* g = nullptr;
    if (framelock_graph_create(&g) == FRAMELOCK_OK) h_ = decltype(h_)(g);
  }
  static Result<Graph> parse(const std::string& json, const std::string& base_dir = {}) {
    framelock_graph* g = nullptr;
    framelock_code c = framelock_graph_parse(json.c_str(), detail::c_str_or_null(base_dir), &g);
    if (c != FRAMELOCK_OK) return Status::from(c);
    return Graph(g);
  }

  Status add_source(const std::string& id, const std::string& path) {
    return Status::from(framelock_graph_add_source(h_.get(), id.c_str(), path.c_str()));
  }
  // params_json: a JSON object, or empty for the op's defaults.
  Status add_node(const std::string& id, const std::string& op,
                  const std::string& params_json = {}) {
    return Status::from(framelock_graph_add_node(h_.get(), id.c_str(), op.c_str(),
                                                 detail::c_str_or_null(params_json)));
  }
  // One parameter as text ("1.5", "true", "1.1,1,0.9"), typed against the op's schema.
  Status set_param(const std::string& node, const std::string& key, const std::string& value) {
    return Status::from(
        framelock_graph_set_param(h_.get(), node.c_str(), key.c_str(), value.c_str()));
  }
  // input empty: the next input in the op's order.
  Status connect(const std::string& from, const std::string& to, const std::string& input = {}) {
    return Status::from(
        framelock_graph_connect(h_.get(), from.c_str(), to.c_str(), detail::c_str_or_null(input)));
  }
  Status add_output(const std::string& node, const std::string& path,
                    const std::string& codec = {}) {
    return Status::from(framelock_graph_add_output(h_.get(), node.c_str(), path.c_str(),
                                                   detail::c_str_or_null(codec)));
  }
  Result<std::string> to_json() const {
    char* text = nullptr;
    framelock_code c = framelock_graph_to_json(h_.get(), &text);
    if (c != FRAMELOCK_OK) return Status::from(c);
    std::string out(text);
    framelock_free(text);
    return out;
  }
  const framelock_graph* get() const { return h_.get(); }

 private:
  explicit Graph(framelock_graph* g) : h_(g) {}
  detail::Handle<framelock_graph, framelock_graph_destroy> h_;
};

// The compiled graph: immutable, rendered by any number of threads.
class Plan {
 public:
  Plan() = default;
  int output_count() const { return framelock_plan_output_count(h_.get()); }
  std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    for (size_t i = 0, n = framelock_plan_warning_count(h_.get()); i < n; ++i)
      out.emplace_back(framelock_plan_warning(h_.get(), i));
    return out;
  }
  // The frame size of `node` (empty: the first output's) at `scale`.
  Status frame_size(double scale, int& width, int& height, const std::string& node = {}) const {
    return Status::from(
        framelock_plan_frame_size(h_.get(), detail::c_str_or_null(node), scale, &width, &height));
  }
  Result<int64_t> frame_count(const std::string& node = {}) const {
    int64_t n = 0;
    framelock_code c = framelock_plan_frame_count(h_.get(), detail::c_str_or_null(node), &n);
    if (c != FRAMELOCK_OK) return Status::from(c);
    return n;
  }
  const framelock_plan* get() const { return h_.get(); }

 private:
  friend class Engine;
  explicit Plan(framelock_plan* p) : h_(p) {}
  detail::Handle<framelock_plan, framelock_plan_destroy> h_;
};

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;  // in the grid of the render's scale
};

// Linear-light float RGBA, rows packed.
struct Image {
  int width = 0, height = 0;
  std::vector<float> rgba;
  const float* pixel(int x, int y) const { return rgba.data() + (size_t(y) * width + x) * 4; }
};

struct RenderOptions {
  std::string node;  // empty: the first output's node
  int64_t frame = 0;
  double scale = 1.0;  // 1, 0.5, 0.25, 0.125
  bool whole_frame = true;
  Rect region;  // used when whole_frame is false
  const CancelToken* cancel = nullptr;
};

// One level of a progressive render; `image` is only valid during the callback.
struct Level {
  double scale = 1.0;
  const float* rgba = nullptr;
  int width = 0, height = 0;
  size_t row_bytes = 0;
  bool final = false;
};

struct OutputOptions {
  std::string path;    // empty: the output's own
  int64_t first = -1;  // < 0: the output's own range
  int64_t last = -1;
  std::function<bool(int64_t done, int64_t total)> progress;  // false stops the render
  const CancelToken* cancel = nullptr;
};

// Threads, caches and open readers; share one across the renders of a process.
class Engine {
 public:
  static Result<Engine> create(uint64_t cache_bytes = 0) {
    framelock_engine* e = nullptr;
    framelock_code c = framelock_engine_create(cache_bytes, &e);
    if (c != FRAMELOCK_OK) return Status::from(c);
    return Engine(e);
  }
  Engine() = default;

  Result<MediaInfo> probe(const std::string& path) const {
    framelock_media* m = nullptr;
    framelock_code c = framelock_media_open(h_.get(), path.c_str(), &m);
    if (c != FRAMELOCK_OK) return Status::from(c);
    detail::Handle<framelock_media, framelock_media_close> owned(m);
    auto text = [m](framelock_media_text t) { return std::string(framelock_media_text_of(m, t)); };
    MediaInfo i;
    i.path = text(FRAMELOCK_MEDIA_PATH);
    i.container = text(FRAMELOCK_MEDIA_CONTAINER);
    i.codec = text(FRAMELOCK_MEDIA_CODEC);
    i.pixel_format = text(FRAMELOCK_MEDIA_PIXEL_FORMAT);
    i.timecode = text(FRAMELOCK_MEDIA_TIMECODE);
    i.color_primaries = text(FRAMELOCK_MEDIA_COLOR_PRIMARIES);
    i.color_transfer = text(FRAMELOCK_MEDIA_COLOR_TRANSFER);
    i.color_matrix = text(FRAMELOCK_MEDIA_COLOR_MATRIX);
    i.color_range = text(FRAMELOCK_MEDIA_COLOR_RANGE);
    i.width = framelock_media_width(m);
    i.height = framelock_media_height(m);
    i.frame_count = framelock_media_frame_count(m);
    framelock_media_frame_rate(m, &i.rate_num, &i.rate_den);
    i.bit_depth = framelock_media_bit_depth(m);
    i.has_alpha = framelock_media_has_alpha(m) != 0;
    i.duration_seconds = framelock_media_duration(m);
    return i;
  }

  Result<Plan> compile(const Graph& graph) const {
    framelock_plan* p = nullptr;
    framelock_code c = framelock_plan_compile(h_.get(), graph.get(), &p);
    if (c != FRAMELOCK_OK) return Status::from(c);
    return Plan(p);
  }

  // Into the caller's buffer: float RGBA (or 16-bit with FRAMELOCK_RGBA_U16), row_bytes apart.
  Status render_into(const Plan& plan, const RenderOptions& o, void* pixels, size_t row_bytes = 0,
                     framelock_pixel_format format = FRAMELOCK_RGBA_F32) const {
    framelock_rect r{o.region.x, o.region.y, o.region.width, o.region.height};
    return Status::from(framelock_render_frame(h_.get(), plan.get(), detail::c_str_or_null(o.node),
                                               o.frame, o.scale, o.whole_frame ? nullptr : &r,
                                               format, pixels, row_bytes,
                                               o.cancel ? o.cancel->get() : nullptr));
  }

  Result<Image> render(const Plan& plan, const RenderOptions& o) const {
    Image img;
    if (o.whole_frame) {
      Status s = plan.frame_size(o.scale, img.width, img.height, o.node);
      if (!s.ok()) return s;
    } else {
      img.width = o.region.width;
      img.height = o.region.height;
    }
    if (img.width <= 0 || img.height <= 0)
      return Status(Code::kInvalidArgument, "the region is empty", "region");
    img.rgba.resize(size_t(img.width) * size_t(img.height) * 4);
    Status s = render_into(plan, o, img.rgba.data());
    if (!s.ok()) return s;
    return img;
  }

  // The whole frame at each scale in order (coarse first); on_level returning false stops.
  Status render_progressive(const Plan& plan, int64_t frame, const std::vector<double>& scales,
                            const std::function<bool(const Level&)>& on_level,
                            const std::string& node = {},
                            const CancelToken* cancel = nullptr) const {
    struct Ctx {
      const std::function<bool(const Level&)>* fn;
      detail::Trap trap;
    } ctx{&on_level, {}};
    auto trampoline = [](void* user, double scale, const float* rgba, int w, int h,
                         size_t row_bytes, int is_final) -> int {
      auto* c = static_cast<Ctx*>(user);
      try {
        return (*c->fn)(Level{scale, rgba, w, h, row_bytes, is_final != 0}) ? 0 : 1;
      } catch (...) {
        c->trap.error = std::current_exception();
        return 1;
      }
    };
    framelock_code c = framelock_render_progressive(
        h_.get(), plan.get(), detail::c_str_or_null(node), frame, scales.data(), scales.size(),
        trampoline, &ctx, cancel ? cancel->get() : nullptr);
    ctx.trap.rethrow();
    return Status::from(c);
  }

  // Writes output `output` of the plan to a file (temp file, renamed on success).
  Status render_output(const Plan& plan, int output, const OutputOptions& o = {}) const {
    struct Ctx {
      const OutputOptions* o;
      detail::Trap trap;
    } ctx{&o, {}};
    auto trampoline = [](void* user, int64_t done, int64_t total) -> int {
      auto* c = static_cast<Ctx*>(user);
      try {
        return c->o->progress(done, total) ? 0 : 1;
      } catch (...) {
        c->trap.error = std::current_exception();
        return 1;
      }
    };
    framelock_code c = framelock_render_output(
        h_.get(), plan.get(), output, detail::c_str_or_null(o.path), o.first, o.last,
        o.progress ? +trampoline : nullptr, &ctx, o.cancel ? o.cancel->get() : nullptr);
    ctx.trap.rethrow();
    return Status::from(c);
  }

  framelock_engine* get() const { return h_.get(); }

 private:
  explicit Engine(framelock_engine* e) : h_(e) {}
  detail::Handle<framelock_engine, framelock_engine_destroy> h_;
};

// An operator's schema as JSON (framelock_op_schema): what a plugin builds its parameters from.
inline Result<std::string> operator_schema(const std::string& op) {
  char* text = nullptr;
  framelock_code c = framelock_op_schema(op.c_str(), &text);
  if (c != FRAMELOCK_OK) return Status::from(c);
  std::string out(text);
  framelock_free(text);
  return out;
}

// One pointwise operator over frames the caller holds (framelock_filter_*), as plugins run it.
// The engine must outlive the filter. One apply at a time per filter.
class Filter {
 public:
  // transfer: how the caller's code values encode light ("srgb", "rec709", "linear"...).
  static Result<Filter> create(const Engine& engine, const std::string& op,
                               const std::string& transfer = "srgb") {
    framelock_filter* f = nullptr;
    framelock_code c = framelock_filter_create(engine.get(), op.c_str(), transfer.c_str(), &f);
    if (c != FRAMELOCK_OK) return Status::from(c);
    return Filter(f);
  }
  Filter() = default;

  // Checked against the schema now; a refused value leaves the last good one.
  Status set(const std::string& key, const std::string& value) {
    return Status::from(framelock_filter_set_param(h_.get(), key.c_str(), value.c_str()));
  }
  // RGBA with straight alpha, code values in the filter's transfer; in and out may be one buffer.
  Status apply(int width, int height, framelock_pixel_format format, const void* in, void* out,
               size_t in_row_bytes = 0, size_t out_row_bytes = 0) {
    return Status::from(framelock_filter_apply(h_.get(), width, height, format, in, in_row_bytes,
                                               out, out_row_bytes));
  }
  framelock_filter* get() const { return h_.get(); }

 private:
  explicit Filter(framelock_filter* f) : h_(f) {}
  detail::Handle<framelock_filter, framelock_filter_destroy> h_;
};

}  // namespace v0
}  // namespace framelock
