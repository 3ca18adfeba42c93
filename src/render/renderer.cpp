#include "render/renderer.h"

#include "render/output_run.h"
#include "render/scheduler.h"
#include "render/window_cache.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <climits>
#include <set>

namespace fl::render {

using graph::CancelToken;
using graph::Plan;
using graph::PlanNode;

Image downsample_half(const Image& src) {
  const Rect& b = src.bounds();
  Image out(Rect{b.x / 2, b.y / 2, (b.w + 1) / 2, (b.h + 1) / 2});
  const int w = out.width(), h = out.height();
  tbb::parallel_for(tbb::blocked_range<int>(0, h, 16), [&](const tbb::blocked_range<int>& rows) {
    for (int y = rows.begin(); y < rows.end(); ++y) {
      int y0 = b.y + std::min(2 * y, b.h - 1), y1 = b.y + std::min(2 * y + 1, b.h - 1);
      const float* r0 = src.row(y0);
      const float* r1 = src.row(y1);
      float* d = out.row(out.bounds().y + y);
      for (int x = 0; x < w; ++x, d += 4) {
        int x0 = std::min(2 * x, b.w - 1) * 4, x1 = std::min(2 * x + 1, b.w - 1) * 4;
        for (int c = 0; c < 4; ++c)
          d[c] = 0.25f * (r0[x0 + c] + r0[x1 + c] + r1[x0 + c] + r1[x1 + c]);
      }
    }
  });
  return out;
}

Image half_from_rgb48(const Rgb48Image& src, const float* to_linear) {
  const int sw = src.width(), sh = src.height();
  Image out((sw + 1) / 2, (sh + 1) / 2);
  const int w = out.width(), h = out.height();
  tbb::parallel_for(tbb::blocked_range<int>(0, h, 16), [&](const tbb::blocked_range<int>& rows) {
    for (int y = rows.begin(); y < rows.end(); ++y) {
      const uint16_t* r0 = src.row(std::min(2 * y, sh - 1));
      const uint16_t* r1 = src.row(std::min(2 * y + 1, sh - 1));
      float* d = out.row(y);
      for (int x = 0; x < w; ++x, d += 4) {
        const int x0 = std::min(2 * x, sw - 1) * 3, x1 = std::min(2 * x + 1, sw - 1) * 3;
        // The same sum, in the same order, as downsample_half() of the decoded float frame.
        for (int c = 0; c < 3; ++c)
          d[c] = 0.25f * (to_linear[r0[x0 + c]] + to_linear[r0[x1 + c]] + to_linear[r1[x0 + c]] +
                          to_linear[r1[x1 + c]]);
        d[3] = 1.0f;
      }
    }
  });
  return out;
}

namespace {
ContentKey source_frame_key(const PlanNode& src, int64_t frame, double scale) {
  return Hasher().add("source-frame").add(src.key).add(frame).add(scale).finish();
}
}  // namespace

Renderer::Renderer(RendererOptions options)
    : options_(options),
      cache_(options.cache_bytes),
      analyses_(options.analyses ? options.analyses : std::make_shared<AnalysisStore>()) {}
Renderer::~Renderer() = default;

std::shared_ptr<CancelToken> Renderer::register_render(const std::string& id) {
  auto token = std::make_shared<CancelToken>();
  std::lock_guard lock(ids_mu_);
  ids_[id] = token;
  return token;
}

void Renderer::unregister_render(const std::string& id) {
  std::lock_guard lock(ids_mu_);
  ids_.erase(id);
}

bool Renderer::cancel(const std::string& id) {
  std::lock_guard lock(ids_mu_);
  auto it = ids_.find(id);
  if (it == ids_.end()) return false;
  auto token = it->second.lock();
  if (!token) return false;
  token->cancel();
  return true;
}

std::shared_ptr<Renderer::OpenSource> Renderer::open_slot(const std::string& path,
                                                          const std::string& transfer) {
  std::lock_guard lock(sources_mu_);
  auto& slot = sources_[path + "\n" + transfer];
  if (slot) {
    // Still what is on disk? The same file, and the same media under a timeline.
    std::lock_guard meta(slot->meta_mu);
    bool current = ContentIds::stat_key(path) == slot->file;
    if (current && slot->info)
      for (size_t i = 0; i < slot->media.size() && i < slot->info->media_files.size(); ++i)
        current = current && ContentIds::stat_key(slot->info->media_files[i]) == slot->media[i];
    if (!current) slot.reset();
  }
  if (!slot) {
    slot = std::make_shared<OpenSource>();
    slot->file = ContentIds::stat_key(path);
  }
  slot->used = ++source_tick_;
  std::shared_ptr<OpenSource> out = slot;
  // Open readers are bounded: each holds a decoder, its threads and its buffers.
  while (sources_.size() > options_.max_open_sources) {
    auto oldest = sources_.begin();
    for (auto it = sources_.begin(); it != sources_.end(); ++it)
      if (it->second->used < oldest->second->used) oldest = it;
    sources_.erase(oldest);
  }
  return out;
}

Status Renderer::ensure_open(OpenSource& slot, const std::string& path,
                             const std::string& transfer) {
  if (slot.source) return ok_status();
  FL_ASSIGN_OR_RETURN(
      slot.source, io::open_source(path, {.transfer = transfer, .codec_threads = codec_threads()}));
  std::lock_guard meta(slot.meta_mu);
  slot.info = slot.source->info();
  slot.transfer = slot.source->transfer();
  slot.media.clear();
  for (const auto& f : slot.info->media_files) slot.media.push_back(ContentIds::stat_key(f));
  return ok_status();
}

Status Renderer::ensure_meta(OpenSource& slot, const std::string& path,
                             const std::string& transfer) {
  {
    std::lock_guard meta(slot.meta_mu);
    if (slot.info) return ok_status();
  }
  std::lock_guard lock(slot.mu);
  return ensure_open(slot, path, transfer);
}

Result<MediaInfo> Renderer::probe(const std::string& path) {
  std::shared_ptr<OpenSource> open = open_slot(path, "");
  FL_RETURN_IF_ERROR(ensure_meta(*open, path, ""));
  std::lock_guard meta(open->meta_mu);
  return *open->info;
}

Result<colour::Transfer> Renderer::source_transfer(const PlanNode& src) {
  std::shared_ptr<OpenSource> open = open_slot(src.path, src.transfer);
  FL_RETURN_IF_ERROR(ensure_meta(*open, src.path, src.transfer));
  std::lock_guard meta(open->meta_mu);
  return *open->transfer;
}

Result<std::shared_ptr<const Image>> Renderer::source_frame(const PlanNode& src, int64_t frame,
                                                            double scale, bool keep) {
  const ContentKey key = source_frame_key(src, frame, scale);
  if (auto hit = cache_.get(key)) return hit;
  std::shared_ptr<const Image> result;
  if (scale >= 1.0) {
    std::shared_ptr<OpenSource> open = open_slot(src.path, src.transfer);
    // Decoding converts with tbb::parallel_for while holding the reader's lock. Isolated, the
    // waiting thread cannot pick up another task (a preview of the same clip, a pipeline stage)
    // that wants the same lock: it would deadlock on itself.
    Result<Image> decoded = internal_error("not decoded");
    tbb::this_task_arena::isolate([&] {
      std::lock_guard lock(open->mu);
      Status opened = ensure_open(*open, src.path, src.transfer);
      decoded =
          opened.ok() ? open->source->read_frame(src.first_frame + frame) : Result<Image>(opened);
    });
    FL_ASSIGN_OR_RETURN(Image img, std::move(decoded));
    // Into the plan's working space while the frame is still ours alone.
    if (src.to_working) src.to_working->apply(img.data(), img.pixel_count());
    result = std::make_shared<const Image>(std::move(img));
  } else if (scale == 0.5 && !cache_.get(source_frame_key(src, frame, 1.0))) {
    // A preview never needs the full-size float frame: the first pyramid level comes straight
    // from the decoded 16-bit frame (a quarter of the float work and memory). Readers without a
    // 16-bit path decode to float as for the full frame.
    std::shared_ptr<OpenSource> open = open_slot(src.path, src.transfer);
    bool rgb48 = false;
    const float* table = nullptr;
    Status opened;
    Result<Rgb48Image> decoded = internal_error("not decoded");
    tbb::this_task_arena::isolate([&] {  // as above: a parallel conversion under the lock
      std::lock_guard lock(open->mu);
      opened = ensure_open(*open, src.path, src.transfer);
      if (!opened.ok()) return;
      rgb48 = open->source->reads_rgb48();
      if (!rgb48) return;
      decoded = open->source->read_frame_rgb48(src.first_frame + frame);
      table = colour::TransferCurve::get(open->source->transfer()).u16_to_linear_table();
    });
    FL_RETURN_IF_ERROR(opened);
    if (rgb48) {
      FL_ASSIGN_OR_RETURN(Rgb48Image rgb, std::move(decoded));
      Image half = half_from_rgb48(rgb, table);
      if (src.to_working) src.to_working->apply(half.data(), half.pixel_count());
      result = std::make_shared<const Image>(std::move(half));
    } else {
      FL_ASSIGN_OR_RETURN(auto parent, source_frame(src, frame, 1.0, keep));
      result = std::make_shared<const Image>(downsample_half(*parent));
    }
  } else {
    FL_ASSIGN_OR_RETURN(auto parent, source_frame(src, frame, scale * 2, keep));
    result = std::make_shared<const Image>(downsample_half(*parent));
  }
  if (keep) cache_.put(key, result);
  return result;
}

Result<std::shared_ptr<const Image>> Renderer::eval(const Plan& plan, int index, int64_t frame,
                                                    const Rect& region, const RenderRequest& req,
                                                    bool& provisional) {
  const PlanNode& node = plan.nodes[size_t(index)];
  if (req.cancel && req.cancel->cancelled()) return cancelled("render cancelled");
  ContentKey key = Hasher()
                       .add("node")
                       .add(node.key)
                       .add(frame)
                       .add(req.scale)
                       .add(int64_t(req.quality))
                       .add_raw(&region, sizeof region)
                       .finish();
  if (auto hit = cache_.get(key)) return hit;

  std::shared_ptr<const Image> result;
  bool stand_in = false;  // this node or an input rendered with a preview analysis' stand-in
  if (node.is_source) {
    std::shared_ptr<const Image> full;
    if (req.pinned) {
      if (auto it = req.pinned->find({index, frame}); it != req.pinned->end()) full = it->second;
    }
    if (!full) {
      FL_ASSIGN_OR_RETURN(full, source_frame(node, frame, req.scale, req.keep_sources));
    }
    // Not cached again under the node's key: source_frame() keeps the decoded frame, a crop of
    // it is cheap, and a second entry would count the same pixels twice against the budget.
    return region == full->bounds() ? full
                                    : std::make_shared<const Image>(full->crop_clamped(region));
  } else if (req.window && req.window->keeps(index)) {
    // Read across time by a consumer: made once for the whole streaming render.
    FL_ASSIGN_OR_RETURN(result, req.window->get(index, frame, region, [&] {
      bool unused = false;  // streaming renders are final quality: no stand-ins
      return compute(plan, index, frame, region, req, unused);
    }));
  } else {
    FL_ASSIGN_OR_RETURN(result, compute(plan, index, frame, region, req, stand_in));
    if (req.window) req.window->count(index);
  }
  if (req.cache_intermediates && !stand_in) cache_.put(key, result);
  provisional = provisional || stand_in;
  return result;
}

Result<std::shared_ptr<const Image>> Renderer::compute(const Plan& plan, int index, int64_t frame,
                                                       const Rect& region, const RenderRequest& req,
                                                       bool& stand_in) {
  const PlanNode& node = plan.nodes[size_t(index)];
  const Rect bounds = node.geometry.bounds_at(req.scale);
  // Outside the frame is edge-replicated from the nearest pixels inside it.
  Rect inner = region.intersect(bounds);
  if (inner.empty()) {
    int x = std::clamp(region.x, 0, bounds.w - 1), y = std::clamp(region.y, 0, bounds.h - 1);
    inner = {x, y, 1, 1};
  }
  std::vector<graph::FrameGeometry> in_geom;
  for (int in : node.inputs)
    in_geom.push_back(in < 0 ? graph::FrameGeometry{} : plan.nodes[size_t(in)].geometry);
  graph::RenderCtx ctx{frame, req.scale, req.quality, req.cancel.get(), node.geometry, in_geom};
  std::shared_ptr<const graph::OpState> state;
  if (node.op->has_analysis()) {
    if (req.quality < 2) {
      FL_ASSIGN_OR_RETURN(state, preview_analysis(plan, index, frame, req.cancel, stand_in));
    } else {
      FL_ASSIGN_OR_RETURN(state, analysis(plan, index, req.cancel));
    }
    ctx.state = state.get();
  }

  // Every (input, window offset) the op reads. A streaming render fetches decoded (pinned) source
  // frames in parallel; elsewhere in order, so that a preview's decoder never seeks backwards.
  struct Fetch {
    size_t input;
    int64_t frame;
    Rect need;
    Result<std::shared_ptr<const Image>> image = internal_error("not fetched");
    bool stand_in = false;
  };
  std::vector<Fetch> fetches;
  const int span = node.window.before + node.window.after + 1;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    int in = node.inputs[i];
    if (in < 0) continue;
    const auto& in_node = plan.nodes[size_t(in)];
    Rect need = node.op->input_region(int(i), inner, ctx);
    if (need.empty()) continue;  // a mask drawn over a clip needs none of its pixels
    for (int dt = -node.window.before; dt <= node.window.after; ++dt)
      fetches.push_back(
          {i, std::clamp<int64_t>(frame + dt, 0, in_node.geometry.frame_count - 1), need});
  }
  auto fetch = [&](Fetch& f) {
    f.image = eval(plan, node.inputs[f.input], f.frame, f.need, req, f.stand_in);
  };
  // Only when every input is decoded already: frames the window cache makes (a 4K fill each)
  // made side by side held many working sets at once and ran 3x slower per frame than one at a
  // time, each parallel inside (docs/benchmarks.md §13).
  bool all_pinned = req.pinned != nullptr;
  for (const Fetch& f : fetches)
    all_pinned = all_pinned && plan.nodes[size_t(node.inputs[f.input])].is_source;
  if (req.window && all_pinned && fetches.size() > 1)
    tbb::parallel_for(size_t(0), fetches.size(), [&](size_t k) { fetch(fetches[k]); });
  else
    for (Fetch& f : fetches) {
      fetch(f);
      if (!f.image.ok()) break;
    }
  graph::Inputs inputs(node.window, node.inputs.size());
  for (size_t k = 0; k < fetches.size(); k += size_t(span)) {
    std::vector<std::shared_ptr<const Image>> frames;
    for (size_t j = k; j < k + size_t(span); ++j) {
      const Fetch& f = fetches[j];
      if (!f.image.ok()) return f.image.status();
      stand_in = stand_in || f.stand_in;
      frames.push_back(*f.image);
    }
    inputs.set(int(fetches[k].input), std::move(frames));
  }

  auto out = std::make_shared<Image>(inner);
  const int ts = req.tile_size > 0 ? req.tile_size : options_.tile_size;
  std::vector<Rect> tiles;
  if (node.tileable) {
    for (int y = inner.y; y < inner.bottom(); y += ts)
      for (int x = inner.x; x < inner.right(); x += ts)
        tiles.push_back(Rect{x, y, ts, ts}.intersect(inner));
  } else {
    tiles.push_back(inner);
  }
  std::mutex err_mu;
  Status first_error;
  tbb::parallel_for(size_t(0), tiles.size(), [&](size_t t) {
    if (ctx.cancelled()) return;  // checked per tile
    Status s;
    try {
      s = node.op->render(ctx, inputs, *out, tiles[t]);
    } catch (const std::exception& e) {  // never let an exception cross a task
      s = internal_error(std::string("exception in operator: ") + e.what());
    }
    if (!s.ok()) {
      std::lock_guard lock(err_mu);
      if (first_error.ok()) first_error = s;
    }
  });
  if (ctx.cancelled()) return cancelled("render cancelled");
  if (!first_error.ok()) return first_error.with_context("node '" + node.id + "': ");
  return inner == region ? std::shared_ptr<const Image>(out)
                         : std::make_shared<const Image>(out->crop_clamped(region));
}

Result<std::shared_ptr<const Image>> Renderer::render(const Plan& plan, int node,
                                                      const RenderRequest& request) {
  if (node < 0 || size_t(node) >= plan.nodes.size()) return invalid_argument("no such plan node");
  const auto& geom = plan.nodes[size_t(node)].geometry;
  if (request.frame < 0 || request.frame >= geom.frame_count)
    return invalid_argument("frame " + std::to_string(request.frame) + " is out of range (node '" +
                            plan.nodes[size_t(node)].id + "' has " +
                            std::to_string(geom.frame_count) + " frames)");
  if (!(request.scale == 1.0 || request.scale == 0.5 || request.scale == 0.25 ||
        request.scale == 0.125))
    return invalid_argument("scale must be 1, 0.5, 0.25 or 0.125");
  Rect region = request.region.value_or(geom.bounds_at(request.scale));
  try {
    bool provisional = false;
    return eval(plan, node, request.frame, region, request, provisional);
  } catch (const std::exception& e) {
    return internal_error(std::string("render failed: ") + e.what());
  }
}

namespace {

// Source frames (plan index, frame) that rendering `frame` of `node` will read.
// The source frames that output frame `frame` reads through nodes the window does not keep. A
// kept node's frame is made once, by whichever output frame first asks, and decodes what it
// reads then: pinning its sources for every output frame would hold the whole reach of the
// graph (29 4K frames for a fill under an extension) for frames that are already made.
void collect_sources(const Plan& plan, int node, int64_t frame, const WindowCache* window,
                     std::set<std::pair<int, int64_t>>& out) {
  const PlanNode& n = plan.nodes[size_t(node)];
  if (n.is_source) {
    out.insert({node, frame});
    return;
  }
  for (int in : n.inputs) {
    if (in < 0 || (window && window->keeps(in))) continue;
    int64_t count = plan.nodes[size_t(in)].geometry.frame_count;
    for (int dt = -n.window.before; dt <= n.window.after; ++dt)
      collect_sources(plan, in, std::clamp<int64_t>(frame + dt, 0, count - 1), window, out);
  }
}

}  // namespace

Status Renderer::render_output(const Plan& plan, const graph::PlanOutput& output,
                               io::FrameSink& sink, const OutputOptions& options) {
  int64_t first = output.first, last = output.last;
  if (options.frames) {
    first = options.frames->first;
    if (options.frames->last >= 0) last = options.frames->last;
  }
  const auto& geom = plan.nodes[size_t(output.node)].geometry;
  if (first < 0 || last >= geom.frame_count || last < first)
    return invalid_argument("frames " + std::to_string(first) + "-" + std::to_string(last) +
                            " are out of range (0-" + std::to_string(geom.frame_count - 1) + ")");
  OutputRun run(options, last - first + 1);
  if (options.report) *options.report = {};
  if (options.integer_path) {
    if (auto route = rgb48_route(plan, output, sink, options)) {
      if (options.report) options.report->integer_path = true;
      return render_output_rgb48(plan, *route, first, last, sink, options.stages, run);
    }
  }
  const auto& cancel = run.cancel_token();
  struct Token {
    int64_t frame = 0;
    PinnedFrames pinned;  // the decoded source frames this frame reads
    std::shared_ptr<const Image> image;
    Status status;
  };
  PinnedFrames window;              // touched only by the serial read stage
  std::optional<WindowCache> made;  // intermediate frames the windows share
  if (options.window_cache) made.emplace(plan, output.node);
  auto read = [&](Token& t) {
    // Tokens before t.frame - frames_in_flight have been written: their reads are done.
    if (made) made->slide_to(t.frame - int64_t(run.frames_in_flight()));
    std::set<std::pair<int, int64_t>> needed;
    collect_sources(plan, output.node, t.frame, made ? &*made : nullptr, needed);
    // Frames shared by neighbouring outputs' temporal windows are decoded once; the window
    // slides, so memory follows the window, never the clip length.
    std::erase_if(window, [&](const auto& e) {
      auto first = needed.lower_bound({e.first.first, INT64_MIN});
      return first == needed.end() || first->first != e.first.first ||
             e.first.second < first->second;
    });
    for (const auto& key : needed) {
      auto it = window.find(key);
      if (it == window.end()) {
        auto img = source_frame(plan.nodes[size_t(key.first)], key.second, options.scale,
                                /*keep=*/false);
        if (!img.ok()) {
          t.status = img.status();
          return;
        }
        it = window.emplace(key, *img).first;
      }
      t.pinned.emplace(key, it->second);
    }
  };
  auto process = [&](Token& t) {
    RenderRequest req;
    req.frame = t.frame;
    req.scale = options.scale;
    req.cancel = cancel;
    req.cache_intermediates = false;
    req.keep_sources = false;  // a kept node decodes each of its source frames once
    req.pinned = &t.pinned;
    req.window = made ? &*made : nullptr;
    auto img = render(plan, output.node, req);
    if (!img.ok()) {
      t.status = img.status();
    } else if (output.from_working || !options.stages.empty()) {
      // The rendered frame may be shared (a pinned source, the cache): change a copy.
      Image out = (*img)->clone();
      if (output.from_working) output.from_working->apply(out.data(), out.pixel_count());
      for (const auto& stage : options.stages) {
        if (Status s = stage->apply(t.frame, out); !s.ok()) {
          t.status = s.with_context(std::string(stage->name()) + ": ");
          break;
        }
      }
      t.image = std::make_shared<const Image>(std::move(out));
    } else {
      t.image = *img;
    }
    t.pinned.clear();
  };
  auto write = [&](Token& t) { return sink.write(*t.image); };
  Status s = run.stream<Token>(sink, first, last, read, process, write);
  if (options.report && made) options.report->frames_made = made->made();
  return s;
}

}  // namespace fl::render
