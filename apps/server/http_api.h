// REST API v1 over cpp-httplib: routes, bearer-token checks, Status -> HTTP status and the
// {"error":{"code","message","field"}} body. Handlers are thin: parse, authorise, call the
// service, answer.
#pragma once

#include <memory>
#include <string>

#include "framelock/status.h"
#include "service/service.h"

namespace httplib {
class Server;
}

namespace fl::server {

struct HttpOptions {
  size_t max_body_bytes = size_t(8) << 20;  // graphs are small; bigger bodies get 413
  std::string web_dir;                      // static files of the live-session page
  int threads = 64;                         // SSE and preview streams each hold one
};

// Installs every route on `http`. The service must outlive the server.
void install_routes(httplib::Server& http, service::Service& service, const HttpOptions& options);

// The HTTP status for a Status, as the API documents it: by its code alone.
int http_status(const Status& s);
// The same for an error about what a request body names: a missing file there is 422, not 404.
int http_status_for_body(const Status& s);

}  // namespace fl::server
