#include "http_views.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "service/json_views.h"

namespace fl::server {

using security::Action;
using security::Principal;

// Streams a topic of the event hub as Server-Sent Events until it ends or the client goes. No
// thread waits on it: the hub's notification drains the subscription into the stream, and the
// connection's own timer sends the keep-alives.
void stream_events(service::Service& svc, net::HttpResponse& res, const std::string& topic) {
  auto sub = svc.events().subscribe(topic);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_push_stream(
      "text/event-stream", [&svc, sub, topic](std::shared_ptr<net::PushStream> out) {
        auto order = std::make_shared<std::mutex>();  // two publishers must not interleave frames
        // The notification holds the stream (nothing else does once this returns); on_close below
        // drops the notification, and with it the stream.
        auto drain = [sub, stream = out, order] {
          std::lock_guard lock(*order);
          while (auto e = sub->next(std::chrono::milliseconds(0))) {
            if (!stream->send(service::sse_frame(*e))) return;
            if (e->final) return stream->close();
          }
          if (sub->closed()) stream->close();
        };
        sub->set_notify(drain);
        out->set_keepalive(std::chrono::seconds(10), ": keep-alive\n\n");
        drain();  // what was queued before the notification was set (the topic's snapshot)
        // Last: a stream already closed (the client gone before this ran) calls it at once, and
        // it must find the notification set to break the stream <-> subscription cycle.
        out->on_close([&svc, sub, topic] {
          sub->set_notify(nullptr);
          svc.events().unsubscribe(topic, sub);
        });
      });
}

Result<int64_t> path_int(const net::HttpRequest& req, int index, const std::string& field) {
  const std::string text = req.matches[size_t(index)];
  try {
    size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used != text.size() || v < 0) throw std::invalid_argument(text);
    return int64_t(v);
  } catch (const std::exception&) {
    return invalid_argument(field + " must be an integer >= 0, got '" + text + "'", field);
  }
}

nlohmann::json media_json(const service::MediaItem& m) {
  return {{"id", m.id},           {"project", m.project},
          {"path", m.path},       {"info", service::media_to_json(m.info)},
          {"created", m.created}, {"frames_url", "/v1/media/" + m.id + "/frames/{n}"}};
}

// What the path's first match names (a media, job or session: `kind`).
namespace {

template <class T, class Get, class ProjectOf>
std::optional<std::pair<Principal, T>> visible(service::Service& svc, const net::HttpRequest& req,
                                               net::HttpResponse& res, Action action,
                                               const std::string& kind, Get get,
                                               ProjectOf project_of) {
  auto who = authenticate(svc, req, res);
  if (!who) return std::nullopt;
  const std::string id = req.matches[1];
  const Status missing = not_found("no " + kind + " '" + id + "'");
  Result<T> item = get(id);
  if (!item.ok()) {
    send_error(res, item.status().code() == ErrorCode::kNotFound ? missing : item.status());
    return std::nullopt;
  }
  if (!permit(svc, *who, res, action, project_of(*item), missing)) return std::nullopt;
  return std::pair(std::move(*who), std::move(*item));
}

}  // namespace

std::optional<std::pair<Principal, service::MediaItem>> visible_media(service::Service& svc,
                                                                      const net::HttpRequest& req,
                                                                      net::HttpResponse& res,
                                                                      Action action) {
  return visible<service::MediaItem>(
      svc, req, res, action, "media", [&](const std::string& id) { return svc.media().get(id); },
      [](const service::MediaItem& m) { return m.project; });
}

std::optional<std::pair<Principal, service::JobInfo>> visible_job(service::Service& svc,
                                                                  const net::HttpRequest& req,
                                                                  net::HttpResponse& res,
                                                                  Action action) {
  return visible<service::JobInfo>(
      svc, req, res, action, "job", [&](const std::string& id) { return svc.jobs().get(id); },
      [](const service::JobInfo& j) { return j.spec.project; });
}

std::optional<std::pair<Principal, service::LiveSession>> visible_session(
    service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res, Action action) {
  return visible<service::LiveSession>(
      svc, req, res, action, "session", [&](const std::string& id) { return svc.get_session(id); },
      [](const service::LiveSession& s) { return s.project; });
}

bool operators_allowed(service::Service& svc, const Principal& who, net::HttpResponse& res,
                       const std::string& project, const nlohmann::json& graph) {
  Status s = svc.check_operators(who, project, graph);
  if (s.ok()) return true;
  request_caller().refusal = s.message();
  send_error(res, s, 403);
  return false;
}

namespace {

// Job outputs are clips (static files of the page get their types from the static mount).
std::string mime_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".mov") return "video/quicktime";
  if (ext == ".mp4") return "video/mp4";
  if (ext == ".mkv") return "video/x-matroska";
  if (ext == ".mxf") return "application/mxf";
  return "application/octet-stream";
}

}  // namespace

void send_file(net::HttpResponse& res, const std::string& path) {
  std::error_code ec;
  (void)std::filesystem::file_size(path, ec);
  if (ec) return send_error(res, not_found("output file is missing"));
  if (!std::ifstream(path, std::ios::binary))
    return send_error(res, permission_denied("cannot read the output file"));
  res.set_header("Content-Disposition", "attachment; filename=\"" +
                                            std::filesystem::path(path).filename().string() + "\"");
  res.set_file(path, mime_for(path));
}

}  // namespace fl::server
