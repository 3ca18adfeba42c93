// Live-session previews: a graph, a node and a frame, rendered coarse to fine by the
// renderer's PreviewSession (one per live session, so a newer request cancels the older one
// there and only there), each level encoded for the browser as it arrives.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/plan_cache.h"
#include "render/preview.h"
#include "service/event_hub.h"
#include "service/frame_encode.h"

namespace fl::service {

struct PreviewRequest {
  // Whose media roots the graph's paths lie in. Sessions, plans and order are kept apart per
  // project: nothing one project asks for touches another's.
  std::string project = "default";
  std::string session;  // previews of one session cancel each other; empty: its own
  // The session is a live session of this project: its watchers get the levels too. Set by
  // the caller that checked it, never read from a request.
  bool live_session = false;
  // Requests from one client travel on several connections and can reach the server out of
  // order; a request whose `seq` is below one already seen from the same `client` is stale.
  std::string client;
  uint64_t seq = 0;  // 0: no order given, arrival order decides
  nlohmann::json graph;
  std::string node;  // empty: the graph's first output's node, else its last node
  int64_t frame = 0;
  std::vector<double> scales = {0.125, 0.5, 1.0};
  ImageFormat format = ImageFormat::kJpeg;
  int quality = 85;
};
// {"session","client","seq","graph","node","frame","scales":[...],"format","quality"}; errors
// name the field.
Result<PreviewRequest> preview_request_from_json(const nlohmann::json& body);

struct PreviewLevel {
  uint64_t request = 0;
  int level = 0;
  double scale = 1;
  double seconds = 0;  // since the request arrived (render + encode)
  bool final = false;
  int width = 0, height = 0;
  std::string bytes;                                 // the encoded image
  nlohmann::json to_json(ImageFormat format) const;  // with a data: URL
};

class PreviewService {
 public:
  // `guard_for`: the paths a project's graphs may read (its media roots).
  PreviewService(std::function<graph::PathGuard(const std::string& project)> guard_for,
                 EventHub* events, size_t cache_bytes,
                 std::shared_ptr<render::AnalysisStore> analyses = {});
  ~PreviewService();
  // Refused at prepare() (graph/limits.h); none by default.
  void set_limits(const graph::ResourceLimits& limits) { limits_ = limits; }
  // Asked at prepare() for the frame previewed: an error refuses the preview (the policy's
  // protected likenesses, Service::admit_render).
  using Admit = std::function<Status(const std::string& project, const graph::Plan& plan, int node,
                                     int64_t frame, render::Renderer& renderer)>;
  void set_admit(Admit admit) { admit_ = std::move(admit); }

  // A request checked and compiled (plan cache): everything that can be refused is refused
  // here, before an HTTP answer starts streaming.
  struct Prepared {
    PreviewRequest request;
    std::shared_ptr<const graph::Plan> plan;
    int node = -1;
    colour::Transfer display = colour::Transfer::kBt709;
  };
  Result<Prepared> prepare(const PreviewRequest& request);

  // Calls `on_level` for each level in order from this thread. Returns kCancelled when a newer
  // request of the same session took over, or when on_level returned false (the client went
  // away); the request is then cancelled in the renderer.
  Status stream(const Prepared& prepared, const std::function<bool(const PreviewLevel&)>& on_level);

  // One level only (media frames, thumbnails): no session, nothing cancelled.
  Result<PreviewLevel> render_once(const Prepared& prepared, double scale);

  render::Renderer& renderer() { return renderer_; }

 private:
  struct Pending;
  struct Session;
  Session& session(const std::string& id);

  graph::PlanCache& plans_of(const std::string& project);

  std::function<graph::PathGuard(const std::string& project)> guard_for_;
  graph::ResourceLimits limits_;
  Admit admit_;
  EventHub* events_;
  render::Renderer renderer_;
  // One per project: a plan compiled under one project's guard is never another's cache hit.
  std::mutex plans_mu_;
  std::map<std::string, std::unique_ptr<graph::PlanCache>> plans_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace fl::service
