// libFuzzer target for the HTTP layer: whole byte streams (one or many pipelined requests,
// any framing) through the same parser, body gate, router and handlers a socket would use.
// Nothing may crash, and whatever comes back must be HTTP.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/http_server.h"

namespace {

fl::net::HttpServer& server() {
  static fl::net::HttpServer* s = [] {
    using namespace fl::net;
    auto* srv = new HttpServer(HttpServerOptions{.max_body_bytes = 4096, .max_header_bytes = 2048});
    auto must = [](fl::Status st) {
      if (!st.ok()) std::abort();
    };
    must(srv->route("POST", "/v1/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.set_body("{\"body\":" + std::to_string(req.body.size()) + "}", "application/json");
    }));
    must(srv->route("GET", "/v1/jobs/([^/]+)", [](const HttpRequest& req, HttpResponse& res) {
      if (req.matches.at(1) == "boom") throw std::runtime_error("boom");
      res.set_header("X-Job", req.matches.at(1));
      res.set_body(req.param("q"), "text/plain");
    }));
    must(srv->route("GET", "/v1/stream", [](const HttpRequest&, HttpResponse& res) {
      res.set_stream("application/x-ndjson", [](StreamWriter& w) { return w.write("{}\n"); });
    }));
    srv->set_body_gate([](const HttpRequest& req, HttpResponse& res) {
      if (req.header("Authorization") == "deny") {
        res.status = 401;
        res.set_body("no", "text/plain");
        return false;
      }
      if (req.header("Authorization") == "throw") throw std::runtime_error("gate");
      return true;
    });
    srv->set_exception_handler([](const HttpRequest&, HttpResponse& res, std::string) {
      res.status = 500;
      res.set_body("{\"error\":\"internal\"}", "application/json");
    });
    return srv;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string out =
      server().handle_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!out.empty() && out.compare(0, 7, "HTTP/1.") != 0) std::abort();
  return 0;
}
