#include "service/previews.h"

#include <atomic>
#include <chrono>

#include "core/json_text.h"
#include "ops/register.h"
#include "render/output.h"
#include "security/auth.h"

namespace fl::service {

// One request's levels on their way from the renderer's thread to the HTTP thread.
struct PreviewService::Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<render::PreviewFrame> frames;
  Status error;
  bool closed = false;  // superseded, failed, or done
};

// Lock order: the renderer calls back with its PreviewSession's lock held and then takes `mu`,
// so nothing may hold `mu` while calling into the PreviewSession (that deadlocked once: a new
// request arriving as a level was delivered). `request_mu` orders one session's requests.
struct PreviewService::Session {
  std::mutex request_mu;
  std::mutex mu;  // guards `pending`
  std::map<uint64_t, std::shared_ptr<Pending>> pending;
  std::map<std::string, uint64_t> latest_seq;  // per client, under request_mu
  std::unique_ptr<render::PreviewSession> previews;
};

graph::PlanCache& PreviewService::plans_of(const std::string& project) {
  std::lock_guard lock(plans_mu_);
  auto& cache = plans_[project];
  if (!cache) cache = std::make_unique<graph::PlanCache>();
  return *cache;
}

Result<PreviewRequest> preview_request_from_json(const nlohmann::json& body) {
  if (!body.is_object()) return invalid_argument("the request body must be a JSON object");
  PreviewRequest r;
  if (!body.contains("graph") || !body["graph"].is_object())
    return invalid_argument("'graph' (an edit graph object) is required", "graph");
  r.graph = body["graph"];
  if (body.contains("project")) {
    if (!body["project"].is_string() ||
        !security::valid_project_id(body["project"].get<std::string>()))
      return invalid_argument("'project' must be a project id", "project");
    r.project = body["project"].get<std::string>();
  }
  if (body.contains("session")) {
    if (!body["session"].is_string())
      return invalid_argument("session must be a string", "session");
    r.session = body["session"].get<std::string>();
  }
  if (body.contains("client")) {
    if (!body["client"].is_string() || body["client"].get<std::string>().size() > 64)
      return invalid_argument("client must be a string of at most 64 characters", "client");
    r.client = body["client"].get<std::string>();
  }
  if (body.contains("seq")) {
    if (!body["seq"].is_number_unsigned() || body["seq"].get<uint64_t>() == 0)
      return invalid_argument("seq must be an integer >= 1", "seq");
    r.seq = body["seq"].get<uint64_t>();
  }
  if (body.contains("node")) {
    if (!body["node"].is_string()) return invalid_argument("node must be a string", "node");
    r.node = body["node"].get<std::string>();
  }
  if (body.contains("frame")) {
    if (!body["frame"].is_number_integer() || body["frame"].get<int64_t>() < 0)
      return invalid_argument("frame must be an integer >= 0", "frame");
    r.frame = body["frame"].get<int64_t>();
  }
  if (body.contains("scales")) {
    const auto& s = body["scales"];
    if (!s.is_array() || s.empty() || s.size() > 4)
      return invalid_argument("scales must be a list of 1-4 of 0.125, 0.25, 0.5, 1", "scales");
    r.scales.clear();
    for (const auto& v : s) {
      double x = v.is_number() ? v.get<double>() : 0;
      if (!(x == 0.125 || x == 0.25 || x == 0.5 || x == 1.0) ||
          (!r.scales.empty() && x <= r.scales.back()))
        return invalid_argument("scales must rise through 0.125, 0.25, 0.5, 1", "scales");
      r.scales.push_back(x);
    }
  }
  if (body.contains("format")) {
    if (!body["format"].is_string()) return invalid_argument("format must be a string", "format");
    FL_ASSIGN_OR_RETURN(r.format, parse_image_format(body["format"].get<std::string>()));
  }
  if (body.contains("quality")) {
    if (!body["quality"].is_number_integer() || body["quality"].get<int>() < 1 ||
        body["quality"].get<int>() > 100)
      return invalid_argument("quality must be an integer 1-100", "quality");
    r.quality = body["quality"].get<int>();
  }
  return r;
}

nlohmann::json PreviewLevel::to_json(ImageFormat format) const {
  return {{"request", request},
          {"level", level},
          {"scale", scale},
          {"seconds", seconds},
          {"final", final},
          {"width", width},
          {"height", height},
          {"image", "data:" + std::string(mime_type(format)) + ";base64," + base64(bytes)}};
}

PreviewService::PreviewService(std::function<graph::PathGuard(const std::string&)> guard_for,
                               EventHub* events, size_t cache_bytes,
                               std::shared_ptr<render::AnalysisStore> analyses)
    : guard_for_(std::move(guard_for)),
      events_(events),
      renderer_(render::RendererOptions{cache_bytes, 256, 32, std::move(analyses)}) {}

PreviewService::~PreviewService() {
  std::lock_guard lock(mu_);
  sessions_.clear();  // each PreviewSession cancels and waits
}

PreviewService::Session& PreviewService::session(const std::string& id) {
  std::lock_guard lock(mu_);
  auto& s = sessions_[id];
  if (!s) {
    s = std::make_unique<Session>();
    Session* raw = s.get();
    auto deliver = [raw](uint64_t request, auto&& fill) {
      std::shared_ptr<Pending> p;
      {
        // A level may come before its request's stream has registered: keep it for it.
        std::lock_guard l(raw->mu);
        auto& slot = raw->pending[request];
        if (!slot) slot = std::make_shared<Pending>();
        p = slot;
      }
      {
        std::lock_guard l(p->mu);
        fill(*p);
      }
      p->cv.notify_all();
    };
    render::PreviewCallbacks cb;
    cb.frame = [deliver](const render::PreviewFrame& f) {
      deliver(f.request, [&](Pending& p) { p.frames.push_back(f); });
    };
    cb.error = [deliver](uint64_t request, const Status& st) {
      deliver(request, [&](Pending& p) {
        p.error = st;
        p.closed = true;
      });
    };
    // A request that ends without its final level (cancelled, superseded) must not leave its
    // stream waiting.
    cb.ended = [deliver](uint64_t request) {
      deliver(request, [&](Pending& p) { p.closed = true; });
    };
    s->previews = std::make_unique<render::PreviewSession>(renderer_, std::move(cb));
  }
  return *s;
}

Result<PreviewService::Prepared> PreviewService::prepare(const PreviewRequest& request) {
  FL_ASSIGN_OR_RETURN(graph::Graph g, graph::parse_graph(json_text(request.graph), "graph"));
  std::string node_id = request.node;
  if (node_id.empty())
    node_id = !g.outputs.empty()   ? g.outputs.front().node
              : !g.nodes.empty()   ? g.nodes.back().id
              : !g.sources.empty() ? g.sources.front().id
                                   : std::string();
  g.outputs.clear();  // previews write nothing
  graph::CompileOptions co;
  co.probe = renderer_.prober();
  co.guard = guard_for_(request.project);
  co.limits = limits_;
  FL_ASSIGN_OR_RETURN(auto plan,
                      plans_of(request.project).get_or_compile(g, ops::builtin_registry(), co));
  int node = plan->find(node_id);
  if (node < 0) return invalid_argument("no node '" + node_id + "' in the graph", "node");
  FL_RETURN_IF_ERROR(graph::check_working_set(*plan, node, limits_));
  const auto& geom = plan->nodes[size_t(node)].geometry;
  if (request.frame >= geom.frame_count)
    return invalid_argument("frame " + std::to_string(request.frame) + " is out of range (0-" +
                                std::to_string(geom.frame_count - 1) + ")",
                            "frame");
  if (admit_) FL_RETURN_IF_ERROR(admit_(request.project, *plan, node, request.frame, renderer_));
  colour::Transfer display = colour::Transfer::kBt709;
  if (int src = render::primary_source(*plan, node); src >= 0) {
    FL_ASSIGN_OR_RETURN(display, renderer_.source_transfer(plan->nodes[size_t(src)]));
  }
  if (display == colour::Transfer::kLinear) display = colour::Transfer::kSrgb;
  return Prepared{request, plan, node, display};
}

Result<PreviewLevel> PreviewService::render_once(const Prepared& prepared, double scale) {
  const auto start = std::chrono::steady_clock::now();
  render::RenderRequest req;
  req.frame = prepared.request.frame;
  req.scale = scale;
  FL_ASSIGN_OR_RETURN(auto img, renderer_.render(*prepared.plan, prepared.node, req));
  PreviewLevel out;
  out.scale = scale;
  out.final = true;
  out.width = img->width();
  out.height = img->height();
  FL_ASSIGN_OR_RETURN(out.bytes, encode_image(*img, prepared.display, prepared.request.format,
                                              prepared.request.quality));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Status PreviewService::stream(const Prepared& prepared,
                              const std::function<bool(const PreviewLevel&)>& on_level) {
  const auto start = std::chrono::steady_clock::now();
  const PreviewRequest& request = prepared.request;
  const auto& plan = prepared.plan;
  const int node = prepared.node;
  const colour::Transfer display = prepared.display;

  // A preview outside any session gets a session of its own, dropped when it is answered.
  static std::atomic<uint64_t> anonymous{0};
  const std::string session_id = request.session.empty()
                                     ? "#anonymous-" + std::to_string(++anonymous)
                                     : request.project + "/" + request.session;
  Session& s = session(session_id);
  std::shared_ptr<Pending> pending;
  uint64_t id;
  {
    std::lock_guard order(s.request_mu);
    if (request.seq != 0) {
      uint64_t& latest = s.latest_seq[request.client];
      // Stale: its newer sibling is already rendering; starting it would cancel that one.
      if (request.seq < latest) return cancelled("superseded by a newer preview");
      latest = request.seq;
      if (s.latest_seq.size() > 64) s.latest_seq.erase(s.latest_seq.begin());
    }
    {
      std::lock_guard lock(s.mu);
      // Whatever this session was waiting for is superseded now.
      for (auto& [rid, p] : s.pending) {
        std::lock_guard pl(p->mu);
        p->closed = true;
        p->cv.notify_all();
      }
    }
    id = s.previews->request(plan, node, request.frame, request.scales);
    std::lock_guard lock(s.mu);
    auto& slot = s.pending[id];
    if (!slot) slot = std::make_shared<Pending>();
    pending = slot;
  }
  Status result = cancelled("superseded by a newer preview");
  for (int level = 0;; ++level) {
    render::PreviewFrame f;
    {
      std::unique_lock lock(pending->mu);
      pending->cv.wait(lock, [&] { return pending->closed || !pending->frames.empty(); });
      if (pending->frames.empty()) {
        if (!pending->error.ok()) result = pending->error;
        break;
      }
      f = std::move(pending->frames.front());
      pending->frames.pop_front();
    }
    PreviewLevel out;
    out.request = id;
    out.level = level;
    out.scale = f.scale;
    out.final = f.final;
    out.width = f.image->width();
    out.height = f.image->height();
    auto bytes = encode_image(*f.image, display, request.format, request.quality);
    if (!bytes.ok()) {
      result = bytes.status();
      break;
    }
    out.bytes = std::move(*bytes);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (events_ && request.live_session)
      events_->publish("session:" + request.session,
                       {"preview", out.to_json(request.format), false});
    if (!on_level(out)) {
      s.previews->cancel(id);  // this request only: a newer one may already be running
      result = cancelled("the client went away");
      break;
    }
    if (out.final) {
      result = ok_status();
      break;
    }
  }
  {
    // This request's entry, and any left by older ones whose levels came after they ended.
    std::lock_guard lock(s.mu);
    s.pending.erase(s.pending.begin(), s.pending.upper_bound(id));
  }
  if (request.session.empty()) {
    s.previews->cancel(id);
    std::lock_guard lock(mu_);
    sessions_.erase(session_id);
  }
  return result;
}

}  // namespace fl::service
