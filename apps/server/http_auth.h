// What every route shares: the API's JSON answers and errors, the bearer credential, the one
// permission check, and the audit record of each request that changed something or was refused.
#pragma once

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

// The credential of an `Authorization: Bearer <token>` header, or nullopt.
std::optional<std::string_view> bearer_credential(std::string_view header);

// The caller, or an answer already written (401 without or with a bad token, 403 without the
// right).
std::optional<security::Principal> authorize(service::Service& svc, const net::HttpRequest& req,
                                             net::HttpResponse& res, security::Action action);

// Who the request this worker thread is handling came from, and why it was refused, as
// authorize() found: what its audit record says. Reset before each handler.
struct RequestCaller {
  std::optional<security::Principal> who;
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
