// REST API v1 over fl_net (event-driven HTTP/1.1 on Boost.Beast): routes, bearer-token checks,
// Status -> HTTP status and the
// {"error":{"code","message","field"}} body. Handlers are thin: parse, authorise, call the
// service, answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framelock/status.h"
#include "security/web_login.h"
#include "service/service.h"

namespace fl::net {
class HttpServer;
}

namespace fl::server {

struct HttpOptions {
  std::string web_dir;  // static files of the live-session page
  bool tls = false;     // served over https: HSTS is sent
  // Origins whose pages may call the API from a browser (CORS); none by default.
  std::vector<std::string> cors_origins;
  // The page's sign-in through the studio's IdP (serve --oidc-client-id); null: tokens only.
  std::shared_ptr<security::OidcLogin> login;
};

// Installs every route on `http` (whose options cap the body: graphs are small, 8 MiB by
// default). The service must outlive the server.
Status install_routes(net::HttpServer& http, service::Service& service, const HttpOptions& options);

// The HTTP status for a Status, as the API documents it: by its code alone.
int http_status(const Status& s);
// The same for an error about what a request body names: a missing file there is 422, not 404.
int http_status_for_body(const Status& s);

}  // namespace fl::server
