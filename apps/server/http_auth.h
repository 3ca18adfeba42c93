// What every route shares: the API's JSON answers and errors, the bearer credential, the one
// permission check, and the audit record of each request that changed something or was refused.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "net/http_server.h"
#include "security/auth.h"
#include "service/service.h"

namespace fl::server {

void send_json(net::HttpResponse& res, int status, const nlohmann::json& body);
// `status` 0: the status the error's code maps to (http_status()).
void send_error(net::HttpResponse& res, const Status& s, int status = 0);
// An error about what the request body names (a graph's files, a path to register).
void send_body_error(net::HttpResponse& res, const Status& s);

// Body as JSON, or an answer already written (400 when it is not JSON at all; validation errors
// come later, as 422).
std::optional<nlohmann::json> json_body(const net::HttpRequest& req, net::HttpResponse& res);
// A required string field of a JSON body, or an answer already written (400 / 422 naming it).
std::optional<std::string> string_field(const net::HttpRequest& req, net::HttpResponse& res,
                                        const char* name, const char* what);
// The body's "project" (empty when it names none), or an answer already written (422).
std::optional<std::string> project_field(const nlohmann::json& body, net::HttpResponse& res);
// What a project that is not the caller's answers: the same as one that does not exist.
Status no_project(const std::string& project);

// The credential of an `Authorization: Bearer <token>` header, or nullopt.
std::optional<std::string_view> bearer_credential(std::string_view header);

// The page's session cookie: `__Host-framelock` over TLS (Secure, Path=/, no Domain: this
// origin alone sets and reads it), `framelock_session` over plain http (loopback, tests).
std::string session_cookie_name(bool tls);
// The value of the session cookie the request carries (either name), or empty.
std::string session_cookie(const net::HttpRequest& req);
// The credential a request is authenticated with: its bearer token, or else the credential of
// the page session its cookie names, whose changes (any method but GET and HEAD) must carry the
// session's X-CSRF-Token. unauthenticated (401) or permission_denied (403, CSRF) otherwise.
Result<std::string> request_credential(service::Service& svc, const net::HttpRequest& req);

// The caller, with the roles their project memberships add, or an answer already written (401
// without a token or with a bad one).
std::optional<security::Principal> authenticate(service::Service& svc, const net::HttpRequest& req,
                                                net::HttpResponse& res);
// The caller of a studio-wide action (security::studio_allows), or an answer already written
// (401, or 403 without the right).
std::optional<security::Principal> authorize(service::Service& svc, const net::HttpRequest& req,
                                             net::HttpResponse& res, security::Action action);
// May `who` do `action` in `project`? If not, the answer is written: `hidden` (a 404 naming what
// was asked for: "no media 'm_1'") when the caller is no member of the project or it does not
// exist, so that ids do not leak; 403 when their role there does not allow the action.
bool permit(service::Service& svc, const security::Principal& who, net::HttpResponse& res,
            security::Action action, const std::string& project, const Status& hidden);

// The projects a list shows: `?project=P` alone (404 unless the caller is a member), else every
// project where the caller's role allows `action`. Nullopt: the answer is written.
std::optional<service::ProjectFilter> visible_projects(service::Service& svc,
                                                       const security::Principal& who,
                                                       const net::HttpRequest& req,
                                                       net::HttpResponse& res,
                                                       security::Action action);

// Adds a route; the routes of one file install themselves through it (http_api.cpp wraps each
// handler with the audit record).
using AddRoute =
    std::function<void(const char* method, std::string pattern, net::HttpServer::Handler handler)>;
// Projects and their members, media roots, tokens (http_projects.cpp).
void install_project_routes(service::Service& svc, const AddRoute& route);
// The page's sign-in: /v1/auth/config, login, callback, session (http_signin.cpp).
void install_signin_routes(service::Service& svc, std::shared_ptr<security::OidcLogin> login,
                           bool tls, const AddRoute& route);

// Who the request this worker thread is handling came from, in which project, and why it was
// refused, as authenticate() and permit() found: what its audit record says. Reset before each
// handler.
struct RequestCaller {
  std::optional<security::Principal> who;
  std::string project;
  std::string refusal;
};
RequestCaller& request_caller();

// The audit record of a request that changed state (any method but GET and HEAD) or was refused
// (401, 403), made durable before the answer goes out. If it cannot be written the answer
// becomes a 500: nothing is acknowledged that the log does not hold.
void audit_request(service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res);

// GET /v1/audit: the log, filtered and paged (admins).
Status install_audit_routes(net::HttpServer& http, service::Service& svc);

}  // namespace fl::server
