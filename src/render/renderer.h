// The one renderer: demand-driven, tiled, progressive, cancellable, cached. It owns every thread
// (oneTBB), tile, cache and cancellation token; ops only compute.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/output_pipeline.h"
#include "graph/plan.h"
#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "render/analysis_store.h"
#include "render/cache.h"

namespace fl::render {

struct RendererOptions {
  size_t cache_bytes = size_t(2) << 30;
  int tile_size = 256;
  size_t max_open_sources = 32;  // readers kept open, least recently used closed first
  // Where analysis state lives; shared by renderers that should not analyse twice (a server's
  // preview and job renderers). Empty: a memory-only store of this renderer's own.
  std::shared_ptr<AnalysisStore> analyses;
};

class WindowCache;  // render/window_cache.h

// Decoded source frames a render already holds: (plan node, node frame) at the request's scale.
using PinnedFrames = std::map<std::pair<int, int64_t>, std::shared_ptr<const Image>>;

struct RenderRequest {
  int64_t frame = 0;
  double scale = 1.0;          // 1, 1/2, 1/4, 1/8
  int quality = 2;             // 0 draft, 1 preview, 2 final
  std::optional<Rect> region;  // pixels at `scale`; whole frame when empty
  std::shared_ptr<graph::CancelToken> cancel;
  int tile_size = 0;                     // 0: the renderer's default; tests vary it
  bool cache_intermediates = true;       // previews reuse upstream results when a param changes
  bool keep_sources = true;              // decoded source frames stay in the cache
  const PinnedFrames* pinned = nullptr;  // streaming renders hand their decoded frames here
  WindowCache* window = nullptr;         // and the intermediate frames their windows share
};

struct Progress {
  int64_t frames_done = 0;
  int64_t frames_total = 0;
  double seconds = 0;
  double fps = 0;
  double eta_seconds = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

// What render_output() did, for callers that report it (and tests that check it).
struct OutputReport {
  bool integer_path = false;  // frames went decoder -> 16-bit map -> encoder, never float
  // Per plan node, how many frames the render made of it, for nodes read across time (the
  // sliding window keeps them): once per frame, not once per consumer's window position.
  std::vector<int64_t> frames_made;
};

struct OutputOptions {
  std::shared_ptr<graph::CancelToken> cancel;
  ProgressFn progress;
  int frames_in_flight = 3;  // bounds memory: peak depends on this, never on clip length
  std::optional<graph::FrameRange> frames;  // overrides the output's range
  double scale = 1.0;                       // render the output smaller (proxies, previews)
  // Format negotiation: when the output is a source, or one pointwise op on a source that is
  // exactly a map of 16-bit code values in the source's transfer, and the sink takes 16-bit RGB
  // in that same transfer, frames skip the linear float round trip. The result matches the float
  // path to the last 16-bit code value or so (tests/unit/render/integer_path_test.cpp).
  bool integer_path = true;
  OutputReport* report = nullptr;
  // Each intermediate frame a temporal window reads is made once per render (window_cache.h).
  // Off only to measure what it saves.
  bool window_cache = true;
  // Run on every frame, in order, before it is encoded (core/output_pipeline.h), on whichever
  // path the frames take.
  std::vector<std::shared_ptr<const FrameStage>> stages;
};

class Renderer {
 public:
  explicit Renderer(RendererOptions options = {});
  ~Renderer();

  // One frame of `node` (a plan index) at a scale; the image lies in frame coordinates.
  Result<std::shared_ptr<const Image>> render(const graph::Plan& plan, int node,
                                              const RenderRequest& request);
  // Streams the output's frames through the sink: decode, render and encode overlap, in order.
  Status render_output(const graph::Plan& plan, const graph::PlanOutput& output,
                       io::FrameSink& sink, const OutputOptions& options);

  // Cancellation by id: a render registered under an id can be cancelled from any thread.
  std::shared_ptr<graph::CancelToken> register_render(const std::string& id);
  void unregister_render(const std::string& id);
  bool cancel(const std::string& id);

  CacheStats cache_stats() const { return cache_.stats(); }
  void clear_cache() { cache_.clear(); }

  // Media info through the renderer's open sources: a live session recompiles its graph on
  // every parameter change, and must not reopen (and re-measure) the clip each time.
  Result<MediaInfo> probe(const std::string& path);
  graph::ProbeFn prober() {
    return [this](const std::string& path) { return probe(path); };
  }

  // The transfer function a source node's frames are decoded from, as its reader decided it
  // (tag, override or default): outputs re-encode with the same curve.
  Result<colour::Transfer> source_transfer(const graph::PlanNode& source);

  // The decoded (and downscaled) source frame, through the cache.
  // Streaming renders pass keep=false: a frame outside every temporal window is never read
  // again, and keeping it would only push useful entries out and hold fresh memory.
  Result<std::shared_ptr<const Image>> source_frame(const graph::PlanNode& source, int64_t frame,
                                                    double scale, bool keep = true);

  // The analysis state of an op node (DESIGN.md §1, analysis passes): run once per node content
  // key on first use, then shared; nullptr for ops without an analysis. Concurrent callers wait
  // for the one analysis. A failed or cancelled analysis is not kept.
  // `progress` (done, total) is called as the analysis reports it; it is not called when the
  // state is already there.
  // `origin`, when given, says whether the state was in memory, loaded from the store's disk or
  // computed now.
  Result<std::shared_ptr<const graph::OpState>> analysis(
      const graph::Plan& plan, int node, const std::shared_ptr<graph::CancelToken>& cancel = {},
      const std::function<void(int64_t done, int64_t total)>& progress = {},
      AnalysisOrigin* origin = nullptr);
  AnalysisStore& analysis_store() { return *analyses_; }
  // For draft and preview renders: the analysis state if it has run, else (for ops that have
  // one) a stand-in made from `frame` alone, without waiting for an analysis in progress; the
  // last few stand-ins are kept. `provisional` is set when the stand-in is returned.
  Result<std::shared_ptr<const graph::OpState>> preview_analysis(
      const graph::Plan& plan, int node, int64_t frame,
      const std::shared_ptr<graph::CancelToken>& cancel, bool& provisional);

  // A frame of a still or clip an op names in its params (a reference) at `scale`, decoded
  // with `transfer` ("" for the file's own) and converted into `working`, through the cache: a
  // live session asks for the same reference on every preview. Keyed by the file's size and
  // modification time, so a replaced file is read again.
  Result<std::shared_ptr<const Image>> media_frame(const std::string& path, int64_t frame,
                                                   const std::string& transfer,
                                                   colour::Primaries working, double scale = 1.0);

 private:
  struct Eval;
  // `provisional` is set when the result (or an input's) used a preview analysis' stand-in:
  // such results are never cached.
  Result<std::shared_ptr<const Image>> eval(const graph::Plan& plan, int node, int64_t frame,
                                            const Rect& region, const RenderRequest& req,
                                            bool& provisional);
  // An op node's frame, uncached: its inputs (through eval), then its tiles.
  Result<std::shared_ptr<const Image>> compute(const graph::Plan& plan, int node, int64_t frame,
                                               const Rect& region, const RenderRequest& req,
                                               bool& stand_in);
  ContentKey analysis_key(const graph::Plan& plan, int node) const;

  // The integer path (integer_path.cpp).
  struct Rgb48Route {
    int source = -1;       // plan node read
    colour::Rgb48Map map;  // what happens to its code values on the way to the sink
  };
  std::optional<Rgb48Route> rgb48_route(const graph::Plan& plan, const graph::PlanOutput& output,
                                        io::FrameSink& sink, const OutputOptions& options);
  Status render_output_rgb48(const graph::Plan& plan, const Rgb48Route& route, int64_t first,
                             int64_t last, io::FrameSink& sink,
                             const std::vector<std::shared_ptr<const FrameStage>>& stages,
                             class OutputRun& run);

  RendererOptions options_;
  ImageCache cache_;
  struct OpenSource {
    std::mutex mu;  // held for a whole decode
    std::unique_ptr<io::FrameSource> source;
    // What a probe or a preview's set-up asks, kept apart so that asking never waits for a
    // decode in progress (it held a 4K preview's headers back by a quarter of a second).
    std::mutex meta_mu;
    std::optional<MediaInfo> info;
    std::optional<colour::Transfer> transfer;
    // What the reader was opened on: the file's stat and, for a timeline, its media's (set with
    // `info`). Media replaced under the same path gets a new reader.
    ContentKey file;
    std::vector<ContentKey> media;
    uint64_t used = 0;  // LRU tick
  };
  // The reader for (path, transfer), opened on first use; call with its `mu` held. Shared: an
  // evicted or replaced reader lives on for whoever is still decoding from it.
  std::shared_ptr<OpenSource> open_slot(const std::string& path, const std::string& transfer);
  static Status ensure_open(OpenSource& slot, const std::string& path, const std::string& transfer);
  // The slot opened, for its info and transfer (set when it opens): once they are known this
  // never takes its `mu`.
  static Status ensure_meta(OpenSource& slot, const std::string& path, const std::string& transfer);
  std::mutex sources_mu_;
  std::map<std::string, std::shared_ptr<OpenSource>> sources_;  // by path + transfer
  uint64_t source_tick_ = 0;
  std::shared_ptr<AnalysisStore> analyses_;
  std::mutex stand_ins_mu_;
  std::list<std::pair<ContentKey, std::shared_ptr<const graph::OpState>>>
      stand_ins_;  // recent first
  std::mutex ids_mu_;
  std::map<std::string, std::weak_ptr<graph::CancelToken>> ids_;
};

// 2x2 box downsample in linear light (the preview pyramid's step); odd edges replicate.
Image downsample_half(const Image& src);
// The same step from 16-bit code values (`to_linear`: their 65536-entry decoding table), for
// sources whose full-size float frame nobody asked for.
Image half_from_rgb48(const Rgb48Image& src, const float* to_linear);

}  // namespace fl::render
