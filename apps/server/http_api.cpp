#include "http_api.h"

#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/json_text.h"
#include "core/log.h"
#include "http_auth.h"
#include "http_views.h"
#include "net/http_server.h"
#include "openapi.h"
#include "ops/register.h"
#include "service/json_views.h"
#include "service/request_json.h"

namespace fl::server {

namespace {

using security::Action;
using security::Principal;

}  // namespace

int http_status(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorruptData:
    case ErrorCode::kUnsupported:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kConflict:
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 422;
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

int http_status_for_body(const Status& s) {
  // The request named something that does not exist: the request is at fault, not the URL.
  if (s.code() == ErrorCode::kNotFound) return 422;
  return http_status(s);
}

Status install_routes(net::HttpServer& http, service::Service& svc, const HttpOptions& options) {
  Status status;
  // Every route's request that changes something or is refused is audited before it is answered.
  auto route = [&](const char* method, std::string pattern, net::HttpServer::Handler handler,
                   net::RouteOptions ro = {}) {
    auto audited = [&svc, handler = std::move(handler)](const net::HttpRequest& req,
                                                        net::HttpResponse& res) {
      request_caller() = {};
      handler(req, res);
      audit_request(svc, req, res);
    };
    if (status.ok()) status = http.route(method, std::move(pattern), std::move(audited), ro);
  };
  if (status.ok()) status = install_audit_routes(http, svc);
  // Bodies are read only from someone who holds a valid token (any role: what they may do is
  // the handler's to decide): a stranger's upload is refused after its headers, unread.
  http.set_body_gate([&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto credential = request_credential(svc, req);
    if (credential.ok() && svc.auth().authenticate(*credential).ok()) return true;
    request_caller() = {};
    if (!credential.ok() && credential.status().code() == ErrorCode::kPermissionDenied) {
      send_error(res, credential.status());  // a page's change without its CSRF token
      request_caller().refusal = credential.status().message();
    } else {
      res.set_header("WWW-Authenticate", "Bearer realm=\"framelock\"");
      send_error(res, unauthenticated("a valid bearer token is required before a request body"));
      request_caller().refusal = "no valid token before the request body";
    }
    audit_request(svc, req, res);
    return false;
  });
  // On every answer, the page's and the API's alike: scripts and styles only from this server's
  // own files (the page has no inline script), no framing by other sites, no MIME sniffing, no
  // address leaked in Referer.
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (options.tls) headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  http.set_default_headers(std::move(headers));
  http.set_cors_origins(options.cors_origins);
  http.set_not_found([](const net::HttpRequest& req, net::HttpResponse& res) {
    // The path is the client's raw bytes: json_text() writes any that are not UTF-8 as U+FFFD.
    send_error(res, not_found("no such endpoint: " + req.method + " " + req.path));
  });
  // The server's own refusals (a body over the cap, broken HTTP, 405) in the API's error form.
  http.set_error_body([](int code, std::string_view text) {
    const Status s(code == 413 || code == 431 ? ErrorCode::kResourceExhausted
                   : code == 503              ? ErrorCode::kResourceExhausted
                                              : ErrorCode::kInvalidArgument,
                   code == 413 ? "request body too large" : std::string(text));
    return std::pair<std::string, std::string>(
        json_text(nlohmann::json{{"error", service::status_to_json(s)}}), "application/json");
  });
  // The last resort: the client learns that it failed, the log learns why.
  http.set_exception_handler([](const net::HttpRequest& req, net::HttpResponse& res,
                                const std::string& what) {
    log::event(
        log::Level::kError, "handler_failed",
        {log::str("method", req.method), log::str("path", req.path), log::str("what", what)});
    res.status = 500;
    res.set_body(R"({"error":{"code":"internal","message":"internal error"}})", "application/json");
  });
  // One line per request: never the token, only whose it was.
  http.set_logger(
      [](const net::HttpRequest& req, int code, double seconds, const std::string& principal) {
        log::event(code >= 500 ? log::Level::kError : log::Level::kInfo, "request",
                   {log::str("method", req.method), log::str("path", req.path),
                    log::num("status", code), log::num("ms", std::round(seconds * 1e4) / 10),
                    log::str("principal", principal.empty() ? "-" : principal),
                    log::str("remote", req.remote)});
      });

  // On the I/O thread: it answers even when every worker is busy.
  route(
      "GET", "/healthz",
      [](const net::HttpRequest&, net::HttpResponse& res) {
        res.set_body(R"({"status":"ok"})", "application/json");
      },
      net::RouteOptions{true});

  route("GET", "/v1/openapi.json", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    if (!authorize(svc, req, res, Action::kViewOps)) return;
    send_json(res, 200, openapi_document(ops::builtin_registry()));
  });

  route("GET", "/v1/ops", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    if (!authorize(svc, req, res, Action::kViewOps)) return;
    nlohmann::json out = nlohmann::json::array();
    for (const auto* def : ops::builtin_registry().list()) out.push_back(def->schema.to_json());
    send_json(res, 200, {{"ops", out}});
  });

  // --- media ---
  route("GET", "/v1/media", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto filter = visible_projects(svc, *who, req, res, Action::kViewMedia);
    if (!filter) return;
    auto items = svc.media().list(*filter);
    if (!items.ok()) return send_error(res, items.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : *items) out.push_back(media_json(m));
    send_json(res, 200, {{"media", out}});
  });
  route("POST", "/v1/media", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    if (!body->is_object() || !body->contains("path") || !(*body)["path"].is_string())
      return send_error(res,
                        invalid_argument("'path' (a file under a media root) is required", "path"));
    auto project = project_field(*body, res);
    if (!project) return;
    const std::string path = (*body)["path"].get<std::string>();
    // Without a project, the file's own: the project whose root holds it (among the caller's).
    std::string in = *project;
    if (in.empty()) {
      auto at = svc.media().locate(
          path, [&](const std::string& p) { return who->role_in(p).has_value(); });
      if (!at.ok()) return send_body_error(res, at.status());
      in = at->project;
    }
    if (!permit(svc, *who, res, Action::kRegisterMedia, in, no_project(in))) return;
    auto item = svc.media().register_media(in, path);
    if (!item.ok()) return send_body_error(res, item.status());
    send_json(res, 201, media_json(*item));
  });
  route("GET", R"(/v1/media/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto item = visible_media(svc, req, res, Action::kViewMedia);
          if (!item) return;
          send_json(res, 200, media_json(item->second));
        });
  route("GET", R"(/v1/media/([A-Za-z0-9_]+)/frames/([^/]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto item = visible_media(svc, req, res, Action::kViewMedia);
          if (!item) return;
          auto n = path_int(req, 2, "frame");
          if (!n.ok()) return send_error(res, n.status());
          service::PreviewRequest pr;
          pr.project = item->second.project;
          pr.graph = {{"sources", {{"clip", {{"path", item->second.path}}}}}};
          pr.node = "clip";
          pr.frame = *n;
          double scale = 1;
          if (req.has_param("scale")) {
            const std::string s = req.param("scale");
            scale = s == "0.125" ? 0.125 : s == "0.25" ? 0.25 : s == "0.5" ? 0.5 : s == "1" ? 1 : 0;
            if (scale == 0)
              return send_error(res,
                                invalid_argument("scale must be 0.125, 0.25, 0.5 or 1", "scale"));
          }
          if (req.has_param("format")) {
            auto f = service::parse_image_format(req.param("format"));
            if (!f.ok()) return send_error(res, f.status());
            pr.format = *f;
          }
          auto prepared = svc.previews().prepare(pr);
          if (!prepared.ok()) return send_error(res, prepared.status());
          auto level = svc.previews().render_once(*prepared, scale);
          if (!level.ok()) return send_error(res, level.status());
          res.set_header("Cache-Control", "private, max-age=60");
          res.set_body(level->bytes, std::string(service::mime_type(pr.format)));
        });

  // --- characters (character lock): the analysis is a job; the cast is read and corrected ---
  route("POST", R"(/v1/media/([A-Za-z0-9_]+)/characters)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto item = visible_media(svc, req, res, Action::kCreateJob);
          if (!item) return;
          nlohmann::json body = nlohmann::json::object();
          if (!req.body.empty()) {
            auto parsed = json_body(req, res);
            if (!parsed) return;
            body = *parsed;
          }
          auto job = svc.analyse_characters(item->first, item->second.id, body);
          if (!job.ok()) return send_body_error(res, job.status());
          res.set_header("Location", "/v1/jobs/" + job->id);
          send_json(res, 201, service::job_to_json(*job));
        });
  route("GET", R"(/v1/media/([A-Za-z0-9_]+)/characters)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto item = visible_media(svc, req, res, Action::kViewMedia);
          if (!item) return;
          auto cast = svc.cast_of(item->second.id);
          if (!cast.ok()) return send_error(res, cast.status());
          send_json(res, 200, *cast);
        });
  route("POST", R"(/v1/media/([A-Za-z0-9_]+)/characters/corrections)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto item = visible_media(svc, req, res, Action::kCreateJob);
          if (!item) return;
          auto body = json_body(req, res);
          if (!body) return;
          auto cast = svc.correct_cast(item->second.id, *body);
          if (!cast.ok()) return send_body_error(res, cast.status());
          send_json(res, 200, *cast);
        });

  // --- projects, their members and roots, tokens ---
  const AddRoute add = [&](const char* method, std::string pattern,
                           net::HttpServer::Handler handler) {
    route(method, std::move(pattern), std::move(handler));
  };
  install_project_routes(svc, add);
  // --- the page's sign-in ---
  install_signin_routes(svc, options.login, options.tls, add);

  // --- previews ---
  route("POST", "/v1/previews", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto pr = service::preview_request_from_json(*body);
    if (!pr.ok()) return send_error(res, pr.status());
    auto project = project_field(*body, res);
    if (!project) return;
    auto graph = svc.resolve_media(pr->graph, *who,
                                   project->empty() ? std::nullopt : std::optional(*project));
    if (!graph.ok()) return send_body_error(res, graph.status());
    if (!permit(svc, *who, res, Action::kPreview, graph->project, no_project(graph->project)))
      return;
    if (!operators_allowed(svc, *who, res, graph->project, graph->graph)) return;
    pr->graph = std::move(graph->graph);
    pr->project = graph->project;
    // Watchers of a live session see its previews: only a session of this very project.
    if (!pr->session.empty())
      if (auto s = svc.get_session(pr->session); s.ok() && s->project == pr->project)
        pr->live_session = true;
    auto prepared = svc.previews().prepare(*pr);
    if (!prepared.ok()) return send_body_error(res, prepared.status());
    auto shared = std::make_shared<service::PreviewService::Prepared>(std::move(*prepared));
    res.set_header("Cache-Control", "no-store");
    // One JSON object per line, coarse first: the client shows each as it arrives.
    res.set_stream("application/x-ndjson", [&svc, shared](net::StreamWriter& out) {
      bool client_gone = false;
      Status s = svc.previews().stream(*shared, [&](const service::PreviewLevel& level) {
        client_gone = !out.write(json_text(level.to_json(shared->request.format)) + "\n");
        return !client_gone;
      });
      if (client_gone) return false;  // drop the connection; the render was cancelled
      if (!s.ok())
        return out.write(
            json_text(nlohmann::json{{"error", service::status_to_json(s)}, {"final", true}}) +
            "\n");
      return true;
    });
  });

  // --- jobs ---
  install_job_routes(svc, add);

  // --- live sessions ---
  route("POST", "/v1/sessions", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    std::string project(security::kDefaultProject);
    if (!req.body.empty()) {
      auto body = json_body(req, res);
      if (!body) return;
      auto p = project_field(*body, res);
      if (!p) return;
      if (!p->empty()) project = *p;
    }
    if (!permit(svc, *who, res, Action::kPreview, project, no_project(project))) return;
    auto s = svc.create_session(*who, project);
    if (!s.ok()) return send_error(res, s.status());
    send_json(res, 201, s->to_json());
  });
  route("GET", R"(/v1/sessions/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto s = visible_session(svc, req, res, Action::kViewSessions);
          if (!s) return;
          send_json(res, 200, s->second.to_json());
        });
  route("PUT", R"(/v1/sessions/([A-Za-z0-9_]+)/state)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto session = visible_session(svc, req, res, Action::kPreview);
          if (!session) return;
          auto body = json_body(req, res);
          if (!body) return;
          if (!body->is_object() || !body->contains("state"))
            return send_error(res, invalid_argument("'state' is required", "state"));
          // Every change names the version it was made from: two people editing at once must
          // not silently overwrite each other (428 without one, 409 when it is stale).
          if (!body->contains("version"))
            return send_error(res,
                              invalid_argument("'version' is required: the session's version "
                                               "this state was made from (GET /v1/sessions/{id})",
                                               "version"),
                              428);
          if (!(*body)["version"].is_number_integer() || (*body)["version"].get<int64_t>() < 0)
            return send_error(
                res, invalid_argument("version must be a non-negative integer", "version"), 422);
          const int64_t if_version = (*body)["version"].get<int64_t>();
          auto s =
              svc.update_session(session->second.id, (*body)["state"], if_version, session->first);
          if (!s.ok()) return send_error(res, s.status());
          send_json(res, 200, s->to_json());
        });
  route("GET", R"(/v1/sessions/([A-Za-z0-9_]+)/events)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto s = visible_session(svc, req, res, Action::kViewSessions);
          if (!s) return;
          stream_events(svc, res, "session:" + s->second.id);
        });

  // --- the live-session page: static files, no data in them (the page asks for a token) ---
  if (status.ok() && !options.web_dir.empty() && std::filesystem::is_directory(options.web_dir))
    status = http.mount_static("/", options.web_dir);
  return status;
}

}  // namespace fl::server
