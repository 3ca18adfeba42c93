#include "http_auth.h"

#include <openssl/crypto.h>

#include <cctype>

#include "core/json_text.h"
#include "http_api.h"
#include "security/token_store.h"
#include "service/json_views.h"
#include "service/request_json.h"

namespace fl::server {

using security::Action;
using security::Principal;

void send_json(net::HttpResponse& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_body(json_text(body), "application/json");
}

void send_error(net::HttpResponse& res, const Status& s, int status) {
  send_json(res, status ? status : http_status(s), {{"error", service::status_to_json(s)}});
}

void send_body_error(net::HttpResponse& res, const Status& s) {
  send_error(res, s, http_status_for_body(s));
}

std::optional<nlohmann::json> json_body(const net::HttpRequest& req, net::HttpResponse& res) {
  auto j = service::parse_request_json(req.body);
  if (!j.ok()) {
    send_error(res, j.status(), 400);
    return std::nullopt;
  }
  return std::move(*j);
}

std::optional<std::string> string_field(const net::HttpRequest& req, net::HttpResponse& res,
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

std::optional<std::string> project_field(const nlohmann::json& body, net::HttpResponse& res) {
  if (!body.is_object() || !body.contains("project")) return std::string();
  const auto& p = body["project"];
  if (!p.is_string() || !security::valid_project_id(p.get<std::string>())) {
    send_error(res, invalid_argument("'project' must be a project id", "project"));
    return std::nullopt;
  }
  return p.get<std::string>();
}

Status no_project(const std::string& project) { return not_found("no project '" + project + "'"); }

std::optional<service::ProjectFilter> visible_projects(service::Service& svc, const Principal& who,
                                                       const net::HttpRequest& req,
                                                       net::HttpResponse& res, Action action) {
  if (req.has_param("project")) {
    const std::string p = req.param("project");
    if (!permit(svc, who, res, action, p, no_project(p))) return std::nullopt;
    return service::ProjectFilter([p](const std::string& q) { return q == p; });
  }
  return service::ProjectFilter([who, action](const std::string& q) { return who.may(action, q); });
}

// The credential of an `Authorization: Bearer <token>` header. The scheme is matched without
// regard to case and may be followed by several spaces (RFC 7235 §2.1); a value holding a NUL or
// any other control character is no credential at all, rather than one cut short.
std::optional<std::string_view> bearer_credential(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() + 1) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  size_t at = kScheme.size();
  if (header[at] != ' ') return std::nullopt;
  while (at < header.size() && header[at] == ' ') ++at;
  std::string_view credential = header.substr(at);
  while (!credential.empty() && (credential.back() == ' ' || credential.back() == '\t'))
    credential.remove_suffix(1);
  if (credential.empty()) return std::nullopt;
  for (char c : credential)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) == 0x7f)
      return std::nullopt;
  return credential;
}

std::string session_cookie_name(bool tls) { return tls ? "__Host-framelock" : "framelock_session"; }

std::string session_cookie(const net::HttpRequest& req) {
  const std::string header = req.header("Cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    const size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = pair.substr(0, eq);
    if (name == session_cookie_name(true) || name == session_cookie_name(false))
      return std::string(pair.substr(eq + 1));
  }
  return {};
}

Result<std::string> request_credential(service::Service& svc, const net::HttpRequest& req) {
  const std::string header = req.header("Authorization");
  if (!header.empty()) {
    const auto credential = bearer_credential(header);
    if (!credential)
      return unauthenticated("a bearer token is required (Authorization: Bearer ...)");
    return std::string(*credential);
  }
  const std::string cookie = session_cookie(req);
  if (cookie.empty())
    return unauthenticated("a bearer token is required (Authorization: Bearer ...)");
  auto session = svc.web_sessions().find(cookie);
  if (!session) return unauthenticated("the page's session has ended: sign in again");
  if (req.method != "GET" && req.method != "HEAD") {
    // A cookie goes with every request the browser makes to us, a cross-site form's too
    // (SameSite aside): a change must also prove it comes from our page.
    const std::string token = req.header("X-CSRF-Token");
    if (token.size() != session->csrf.size() ||
        CRYPTO_memcmp(token.data(), session->csrf.data(), token.size()) != 0)
      return permission_denied(
          "a change from a signed-in page must carry its X-CSRF-Token (GET /v1/auth/session)");
  }
  return session->credential;
}

std::optional<Principal> authenticate(service::Service& svc, const net::HttpRequest& req,
                                      net::HttpResponse& res) {
  auto credential = request_credential(svc, req);
  if (!credential.ok()) {
    if (credential.status().code() == ErrorCode::kUnauthenticated)
      res.set_header("WWW-Authenticate", "Bearer realm=\"framelock\"");
    request_caller().refusal = credential.status().message();
    send_error(res, credential.status());
    return std::nullopt;
  }
  auto who = svc.authenticate(*credential);
  if (!who.ok()) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"framelock\", error=\"invalid_token\"");
    send_error(res, who.status());
    request_caller().refusal = who.status().message();
    return std::nullopt;
  }
  res.set_log_note(who->id);  // the request log names whose request it was, never the token
  request_caller().who = *who;
  // A credential's first success is a sign-in: recorded (durably) before anything is answered.
  const std::string fingerprint = security::sha256_hex(*credential).substr(0, 16);
  if (svc.first_use(fingerprint)) {
    auto signed_in = svc.audit().append(
        {{"type", "sign-in"},
         {"via", who->id.rfind("oidc:", 0) == 0 ? "oidc" : "token"},
         {"principal", {{"id", who->id}, {"name", who->name}, {"roles", who->roles_text()}}},
         {"credential", fingerprint},
         {"remote", req.remote}});
    if (!signed_in.ok()) {
      send_error(res, internal_error("the audit log cannot be written"), 500);
      return std::nullopt;
    }
  }
  return *who;
}

std::optional<Principal> authorize(service::Service& svc, const net::HttpRequest& req,
                                   net::HttpResponse& res, Action action) {
  auto who = authenticate(svc, req, res);
  if (!who) return std::nullopt;
  if (!security::studio_allows(*who, action)) {
    request_caller().refusal =
        "only a studio admin may " + std::string(security::action_name(action));
    send_error(res, permission_denied(request_caller().refusal), 403);
    return std::nullopt;
  }
  return who;
}

bool permit(service::Service& svc, const Principal& who, net::HttpResponse& res, Action action,
            const std::string& project, const Status& hidden) {
  request_caller().project = project;
  const auto role = who.role_in(project);
  if (!role || !svc.projects().exists(project)) {
    request_caller().refusal = "not a member of the project";
    send_error(res, hidden, 404);
    return false;
  }
  if (!security::role_allows(*role, action)) {
    request_caller().refusal = "role may not " + std::string(security::action_name(action));
    send_error(
        res,
        permission_denied("role '" + std::string(security::role_name(*role)) + "' in project '" +
                          project + "' may not " + std::string(security::action_name(action))),
        403);
    return false;
  }
  return true;
}

RequestCaller& request_caller() {
  thread_local RequestCaller caller;
  return caller;
}

void audit_request(service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res) {
  const bool changes = req.method != "GET" && req.method != "HEAD";
  // A 404 from permit() is a refusal too: someone asked for another project's things.
  const bool refused = res.status == 401 || res.status == 403 ||
                       (res.status == 404 && !request_caller().refusal.empty());
  if (!changes && !refused) return;
  const RequestCaller& caller = request_caller();
  nlohmann::json event = {{"type", "request"},
                          {"method", req.method},
                          {"path", req.path},
                          {"status", res.status},
                          {"remote", req.remote},
                          {"outcome", refused ? "refused" : res.status < 400 ? "ok" : "failed"}};
  event["principal"] = caller.who ? nlohmann::json{{"id", caller.who->id},
                                                   {"name", caller.who->name},
                                                   {"roles", caller.who->roles_text()}}
                                  : nlohmann::json();
  if (!caller.project.empty()) event["project"] = caller.project;
  if (!caller.refusal.empty()) event["reason"] = caller.refusal;
  // An id the request made (a job, a session, a token) is what later records refer to.
  if (res.status < 300 && !res.body().empty() && res.body().front() == '{') {
    auto body = nlohmann::json::parse(res.body(), nullptr, false);
    if (body.is_object() && body.contains("id") && body["id"].is_string()) event["id"] = body["id"];
  }
  auto written = svc.audit().append(std::move(event));
  if (!written.ok()) {
    res = net::HttpResponse{};
    send_error(res,
               internal_error("the audit log cannot be written; the request was not "
                              "acknowledged (" +
                              written.status().message() + ")"),
               500);
  }
}

Status install_audit_routes(net::HttpServer& http, service::Service& svc) {
  return http.route(
      "GET", "/v1/audit", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
        request_caller() = {};
        security::AuditFilter f;
        // A project's admin reads their project's records; the whole log is the studio's.
        if (req.has_param("project")) {
          f.project = req.param("project");
          auto who = authenticate(svc, req, res);
          if (!who ||
              !permit(svc, *who, res, Action::kManageMembers, f.project, no_project(f.project)))
            return audit_request(svc, req, res);
        } else if (!authorize(svc, req, res, Action::kViewAudit)) {
          return audit_request(svc, req, res);
        }
        for (const char* t : {"since", "until"}) {
          if (!req.has_param(t)) continue;
          auto v = security::parse_audit_time(req.param(t));
          if (!v)
            return send_error(
                res,
                invalid_argument(std::string(t) + " must be an ISO 8601 UTC time "
                                                  "(2026-12-06T18:40:00Z) or unix seconds",
                                 t),
                400);
          (std::string_view(t) == "since" ? f.since : f.until) = v;
        }
        f.type = req.param("type");
        f.principal = req.param("principal");
        if (req.has_param("after")) {
          const std::string a = req.param("after");
          if (a.empty() || a.find_first_not_of("0123456789") != std::string::npos || a.size() > 18)
            return send_error(res, invalid_argument("after must be a record's seq", "after"), 400);
          f.after_seq = std::stoll(a);
        }
        f.limit = 100;
        if (req.has_param("limit")) {
          const std::string l = req.param("limit");
          if (l.empty() || l.find_first_not_of("0123456789") != std::string::npos || l.size() > 4 ||
              std::stoi(l) < 1 || std::stoi(l) > 1000)
            return send_error(res, invalid_argument("limit must be 1 to 1000", "limit"), 400);
          f.limit = size_t(std::stoi(l));
        }
        bool more = false;
        auto records = security::read_audit_log(svc.data_dir() + "/audit", f, &more);
        if (!records.ok()) return send_error(res, records.status());
        nlohmann::json out = {{"records", *records}, {"head", svc.audit().head().seq}};
        out["next"] =
            more && !records->empty() ? nlohmann::json(records->back()["seq"]) : nlohmann::json();
        send_json(res, 200, out);
      });
}

}  // namespace fl::server
