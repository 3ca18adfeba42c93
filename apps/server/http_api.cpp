#include "http_api.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/json_text.h"
#include "core/log.h"
#include "openapi.h"
#include "ops/register.h"
#include "service/json_views.h"
#include "service/request_json.h"

namespace fl::server {

namespace {

using security::Action;
using security::Principal;

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(json_text(body), "application/json");
}

void send_error(httplib::Response& res, const Status& s, int status = 0) {
  send_json(res, status ? status : http_status(s), {{"error", service::status_to_json(s)}});
}

// An error about what the request body names (a graph's files, a path to register).
void send_body_error(httplib::Response& res, const Status& s) {
  send_error(res, s, http_status_for_body(s));
}

// What the request log says of the request being handled on this thread (httplib handles a
// request on one thread from its headers to its logger call).
thread_local std::chrono::steady_clock::time_point t_request_start;
thread_local std::string t_principal;

// The caller, or an answer already written (401 without or with a bad token, 403 without the
// right).
std::optional<Principal> authorize(service::Service& svc, const httplib::Request& req,
                                   httplib::Response& res, Action action) {
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"framelock\"");
    send_error(res, unauthenticated("a bearer token is required (Authorization: Bearer ...)"));
    return std::nullopt;
  }
  auto who = svc.auth().authenticate(std::string_view(header).substr(prefix.size()));
  if (!who.ok()) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"framelock\", error=\"invalid_token\"");
    send_error(res, who.status());
    return std::nullopt;
  }
  t_principal = who->id;
  if (!security::role_allows(who->role, action)) {
    send_error(res,
               permission_denied("role '" + std::string(security::role_name(who->role)) +
                                 "' may not " + std::string(security::action_name(action))),
               403);
    return std::nullopt;
  }
  return *who;
}

// Body as JSON: 400 when it is not JSON at all (validation errors come later, as 422).
std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res) {
  auto j = service::parse_request_json(req.body);
  if (!j.ok()) {
    send_error(res, j.status(), 400);
    return std::nullopt;
  }
  return std::move(*j);
}

// A required string field of a JSON body, or an answer already written (400 / 422 naming it).
std::optional<std::string> string_field(const httplib::Request& req, httplib::Response& res,
                                        const char* name, const char* what) {
  auto body = json_body(req, res);
  if (!body) return std::nullopt;
  if (!body->is_object() || !body->contains(name) || !(*body)[name].is_string()) {
    send_error(res,
               invalid_argument(std::string("'") + name + "' (" + what + ") is required", name));
    return std::nullopt;
  }
  return (*body)[name].get<std::string>();
}

std::string sse_keepalive() { return ": keep-alive\n\n"; }

// Streams a topic of the event hub as Server-Sent Events until it ends or the client goes.
void stream_events(service::Service& svc, httplib::Response& res, const std::string& topic) {
  auto sub = svc.events().subscribe(topic);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [sub](size_t, httplib::DataSink& sink) {
        auto e = sub->next(std::chrono::seconds(10));
        if (e) {
          std::string frame = service::sse_frame(*e);
          if (!sink.write(frame.data(), frame.size())) return false;
          if (e->final) sink.done();
          return true;
        }
        if (sub->closed()) {
          sink.done();
          return true;
        }
        std::string ka = sse_keepalive();
        return sink.write(ka.data(), ka.size());  // false: the client went away
      },
      [&svc, sub, topic](bool) { svc.events().unsubscribe(topic, sub); });
}

Result<int64_t> path_int(const httplib::Request& req, int index, const std::string& field) {
  const std::string text = req.matches[index].str();
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
  return {{"id", m.id},
          {"path", m.path},
          {"info", service::media_to_json(m.info)},
          {"created", m.created},
          {"frames_url", "/v1/media/" + m.id + "/frames/{n}"}};
}

// Job outputs are clips (static files of the page get their types from httplib's mount point).
std::string mime_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".mov") return "video/quicktime";
  if (ext == ".mp4") return "video/mp4";
  if (ext == ".mkv") return "video/x-matroska";
  if (ext == ".mxf") return "application/mxf";
  return "application/octet-stream";
}

// A file as the body, read in chunks (outputs can be gigabytes).
void send_file(httplib::Response& res, const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return send_error(res, not_found("output file is missing"));
  auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*file) return send_error(res, permission_denied("cannot read the output file"));
  res.set_header("Content-Disposition", "attachment; filename=\"" +
                                            std::filesystem::path(path).filename().string() + "\"");
  res.set_content_provider(size_t(size), mime_for(path),
                           [file](size_t offset, size_t length, httplib::DataSink& sink) {
                             std::vector<char> buf(std::min<size_t>(length, 1 << 20));
                             file->seekg(std::streamoff(offset));
                             file->read(buf.data(), std::streamsize(buf.size()));
                             auto got = size_t(file->gcount());
                             if (got == 0) return false;
                             return sink.write(buf.data(), got);
                           });
}

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

void install_routes(httplib::Server& http, service::Service& svc, const HttpOptions& options) {
  http.set_payload_max_length(options.max_body_bytes);
  // Headers and body go out in separate writes: without this, Nagle's algorithm meets the
  // client's delayed ACK and small answers wait ~40 ms.
  http.set_tcp_nodelay(true);
  // Errors httplib answers itself (404 for unknown paths, 413, 400 for broken HTTP) get our body.
  // Errors httplib answers itself (404 for unknown paths, 413, 400 for broken HTTP) get our body.
  // The path is the client's raw bytes; json_text() keeps any that are not UTF-8 from throwing,
  // and nothing may throw from here: httplib calls it outside its own try.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    try {
      ErrorCode code = res.status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
      std::string msg = res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                        : res.status == 413
                            ? "request body too large"
                            : "bad request (HTTP " + std::to_string(res.status) + ")";
      res.set_content(
          json_text(nlohmann::json{{"error", service::status_to_json(Status(code, msg))}}),
          "application/json");
    } catch (...) {
      res.set_content(R"({"error":{"code":"internal","message":"internal error"}})",
                      "application/json");
    }
  });
  // The last resort: the client learns that it failed, the log learns why.
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log::event(
            log::Level::kError, "handler_failed",
            {log::str("method", req.method), log::str("path", req.path), log::str("what", what)});
        res.status = 500;
        res.set_content(R"({"error":{"code":"internal","message":"internal error"}})",
                        "application/json");
      });

  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = std::chrono::steady_clock::now();
    t_principal.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // One line per request: never the token, only whose it was.
  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                t_request_start)
                          .count();
    log::event(res.status >= 500 ? log::Level::kError : log::Level::kInfo, "request",
               {log::str("method", req.method), log::str("path", req.path),
                log::num("status", res.status), log::num("ms", std::round(ms * 10) / 10),
                log::str("principal", t_principal.empty() ? "-" : t_principal),
                log::str("remote", req.remote_addr)});
  });

  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });

  http.Get("/v1/openapi.json", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kViewOps)) return;
    send_json(res, 200, openapi_document(ops::builtin_registry()));
  });

  http.Get("/v1/ops", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kViewOps)) return;
    nlohmann::json out = nlohmann::json::array();
    for (const auto* def : ops::builtin_registry().list()) out.push_back(def->schema.to_json());
    send_json(res, 200, {{"ops", out}});
  });

  // --- media ---
  http.Get("/v1/media", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kViewMedia)) return;
    auto items = svc.media().list();
    if (!items.ok()) return send_error(res, items.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : *items) out.push_back(media_json(m));
    send_json(res, 200, {{"media", out}});
  });
  http.Post("/v1/media", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kRegisterMedia)) return;
    auto path = string_field(req, res, "path", "a file under a media root");
    if (!path) return;
    auto item = svc.media().register_media(*path);
    if (!item.ok()) return send_body_error(res, item.status());
    send_json(res, 201, media_json(*item));
  });
  http.Get(R"(/v1/media/([A-Za-z0-9_]+))",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewMedia)) return;
             auto item = svc.media().get(req.matches[1].str());
             if (!item.ok()) return send_error(res, item.status());
             send_json(res, 200, media_json(*item));
           });
  http.Get(R"(/v1/media/([A-Za-z0-9_]+)/frames/([^/]+))", [&svc](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kViewMedia)) return;
    auto item = svc.media().get(req.matches[1].str());
    if (!item.ok()) return send_error(res, item.status());
    auto n = path_int(req, 2, "frame");
    if (!n.ok()) return send_error(res, n.status());
    service::PreviewRequest pr;
    pr.graph = {{"sources", {{"clip", {{"path", item->path}}}}}};
    pr.node = "clip";
    pr.frame = *n;
    double scale = 1;
    if (req.has_param("scale")) {
      const std::string s = req.get_param_value("scale");
      scale = s == "0.125" ? 0.125 : s == "0.25" ? 0.25 : s == "0.5" ? 0.5 : s == "1" ? 1 : 0;
      if (scale == 0)
        return send_error(res, invalid_argument("scale must be 0.125, 0.25, 0.5 or 1", "scale"));
    }
    if (req.has_param("format")) {
      auto f = service::parse_image_format(req.get_param_value("format"));
      if (!f.ok()) return send_error(res, f.status());
      pr.format = *f;
    }
    auto prepared = svc.previews().prepare(pr);
    if (!prepared.ok()) return send_error(res, prepared.status());
    auto level = svc.previews().render_once(*prepared, scale);
    if (!level.ok()) return send_error(res, level.status());
    res.set_header("Cache-Control", "private, max-age=60");
    res.set_content(level->bytes, std::string(service::mime_type(pr.format)));
  });

  // --- media roots and tokens (admin) ---
  http.Get("/v1/roots", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kManageRoots)) return;
    auto roots = svc.media().roots();
    if (!roots.ok()) return send_error(res, roots.status());
    send_json(res, 200, {{"roots", *roots}});
  });
  http.Post("/v1/roots", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kManageRoots)) return;
    auto path = string_field(req, res, "path", "a directory");
    if (!path) return;
    auto root = svc.media().add_root(*path);
    if (!root.ok()) return send_body_error(res, root.status());
    send_json(res, 201, {{"path", *root}});
  });
  http.Get("/v1/tokens", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kManageTokens)) return;
    auto list = svc.tokens().list();
    if (!list.ok()) return send_error(res, list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : *list)
      out.push_back({{"id", t.id},
                     {"name", t.name},
                     {"role", security::role_name(t.role)},
                     {"created", t.created},
                     {"revoked", t.revoked}});
    send_json(res, 200, {{"tokens", out}});
  });
  http.Post("/v1/tokens", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kManageTokens)) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto role = body->is_object() && body->contains("role") && (*body)["role"].is_string()
                    ? security::parse_role((*body)["role"].get<std::string>())
                    : std::nullopt;
    if (!role)
      return send_error(res, invalid_argument("'role' must be viewer, artist or admin", "role"));
    std::string name = body->value("name", std::string());
    auto t = svc.tokens().create(*role, name);
    if (!t.ok()) return send_error(res, t.status());
    send_json(res, 201,
              {{"id", t->info.id},
               {"name", t->info.name},
               {"role", security::role_name(t->info.role)},
               {"token", t->token}});
  });
  http.Delete(R"(/v1/tokens/([A-Za-z0-9_]+))",
              [&svc](const httplib::Request& req, httplib::Response& res) {
                if (!authorize(svc, req, res, Action::kManageTokens)) return;
                Status s = svc.tokens().revoke(req.matches[1].str());
                if (!s.ok()) return send_error(res, s);
                send_json(res, 200, {{"id", req.matches[1].str()}, {"revoked", true}});
              });

  // --- previews ---
  http.Post("/v1/previews", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kPreview)) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto pr = service::preview_request_from_json(*body);
    if (!pr.ok()) return send_error(res, pr.status());
    auto graph = svc.resolve_media(pr->graph);
    if (!graph.ok()) return send_body_error(res, graph.status());
    pr->graph = std::move(*graph);
    auto prepared = svc.previews().prepare(*pr);
    if (!prepared.ok()) return send_body_error(res, prepared.status());
    auto shared = std::make_shared<service::PreviewService::Prepared>(std::move(*prepared));
    res.set_header("Cache-Control", "no-store");
    // One JSON object per line, coarse first: the client shows each as it arrives. httplib may
    // call the provider again after it finished: the preview runs once.
    auto ran = std::make_shared<bool>(false);
    res.set_chunked_content_provider(
        "application/x-ndjson", [&svc, shared, ran](size_t, httplib::DataSink& sink) {
          if (*ran) {
            sink.done();
            return true;
          }
          *ran = true;
          bool client_gone = false;
          Status s = svc.previews().stream(*shared, [&](const service::PreviewLevel& level) {
            std::string line = json_text(level.to_json(shared->request.format)) + "\n";
            client_gone = !sink.write(line.data(), line.size());
            return !client_gone;
          });
          if (client_gone) return false;  // drop the connection; the render was cancelled
          if (!s.ok()) {
            std::string line =
                json_text(nlohmann::json{{"error", service::status_to_json(s)}, {"final", true}}) +
                "\n";
            if (!sink.write(line.data(), line.size())) return false;
          }
          sink.done();
          return true;
        });
  });

  // --- jobs ---
  http.Post("/v1/jobs", [&svc](const httplib::Request& req, httplib::Response& res) {
    auto who = authorize(svc, req, res, Action::kCreateJob);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto spec = service::job_spec_from_json(*body);
    if (!spec.ok()) return send_error(res, spec.status());
    auto graph = svc.resolve_media(spec->graph);
    if (!graph.ok()) return send_body_error(res, graph.status());
    spec->graph = std::move(*graph);
    auto job = svc.jobs().submit(*who, std::move(*spec));
    if (!job.ok()) return send_body_error(res, job.status());
    res.set_header("Location", "/v1/jobs/" + job->id);
    send_json(res, 201, service::job_to_json(*job));
  });
  http.Get("/v1/jobs", [&svc](const httplib::Request& req, httplib::Response& res) {
    if (!authorize(svc, req, res, Action::kViewJobs)) return;
    auto jobs = svc.jobs().list();
    if (!jobs.ok()) return send_error(res, jobs.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& j : *jobs) out.push_back(service::job_to_json(j));
    send_json(res, 200, {{"jobs", out}});
  });
  http.Get(R"(/v1/jobs/([A-Za-z0-9_]+))",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewJobs)) return;
             auto job = svc.jobs().get(req.matches[1].str());
             if (!job.ok()) return send_error(res, job.status());
             send_json(res, 200, service::job_to_json(*job));
           });
  http.Delete(
      R"(/v1/jobs/([A-Za-z0-9_]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
        auto who = authorize(svc, req, res, Action::kViewJobs);  // the runner checks own/any
        if (!who) return;
        auto job = svc.jobs().cancel(req.matches[1].str(), *who);
        if (!job.ok()) return send_error(res, job.status());
        send_json(res, service::is_final(job->state) ? 200 : 202, service::job_to_json(*job));
      });
  http.Get(R"(/v1/jobs/([A-Za-z0-9_]+)/events)",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewJobs)) return;
             auto job = svc.jobs().get(req.matches[1].str());
             if (!job.ok()) return send_error(res, job.status());
             // A job that ended before this process started has no live topic: give its final
             // state.
             if (svc.events().subscribers("job:" + job->id) == 0)
               svc.events().publish(
                   "job:" + job->id,
                   {"state", service::job_to_json(*job), service::is_final(job->state)}, true);
             stream_events(svc, res, "job:" + job->id);
           });
  http.Get(R"(/v1/jobs/([A-Za-z0-9_]+)/output)",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewJobs)) return;
             auto path = svc.jobs().output_path(req.matches[1].str());
             if (!path.ok()) return send_error(res, path.status());
             send_file(res, *path);
           });

  // --- live sessions ---
  http.Post("/v1/sessions", [&svc](const httplib::Request& req, httplib::Response& res) {
    auto who = authorize(svc, req, res, Action::kPreview);
    if (!who) return;
    auto s = svc.create_session(*who);
    if (!s.ok()) return send_error(res, s.status());
    send_json(res, 201, s->to_json());
  });
  http.Get(R"(/v1/sessions/([A-Za-z0-9_]+))",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewSessions)) return;
             auto s = svc.get_session(req.matches[1].str());
             if (!s.ok()) return send_error(res, s.status());
             send_json(res, 200, s->to_json());
           });
  http.Put(R"(/v1/sessions/([A-Za-z0-9_]+)/state)", [&svc](const httplib::Request& req,
                                                           httplib::Response& res) {
    auto who = authorize(svc, req, res, Action::kPreview);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    if (!body->is_object() || !body->contains("state"))
      return send_error(res, invalid_argument("'state' is required", "state"));
    int64_t if_version = -1;
    if (body->contains("version")) {
      if (!(*body)["version"].is_number_integer())
        return send_error(res, invalid_argument("version must be an integer", "version"), 422);
      if_version = (*body)["version"].get<int64_t>();
    }
    auto s = svc.update_session(req.matches[1].str(), (*body)["state"], if_version, *who);
    if (!s.ok()) return send_error(res, s.status());
    send_json(res, 200, s->to_json());
  });
  http.Get(R"(/v1/sessions/([A-Za-z0-9_]+)/events)",
           [&svc](const httplib::Request& req, httplib::Response& res) {
             if (!authorize(svc, req, res, Action::kViewSessions)) return;
             auto s = svc.get_session(req.matches[1].str());
             if (!s.ok()) return send_error(res, s.status());
             stream_events(svc, res, "session:" + s->id);
           });

  // --- the live-session page: static files, no data in them (the page asks for a token) ---
  if (!options.web_dir.empty() && std::filesystem::is_directory(options.web_dir))
    http.set_mount_point("/", options.web_dir);
}

}  // namespace fl::server
