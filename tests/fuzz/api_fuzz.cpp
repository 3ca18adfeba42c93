// libFuzzer target for the REST API itself: whole HTTP byte streams (paths, headers, bodies,
// pipelined requests) through fl_net and every real route of the server, over a service on a
// scratch data directory. `@TOKEN@` in an input becomes an admin token, so the fuzzer reaches
// past authentication. Nothing may crash, every answer must be HTTP, and every JSON body must
// parse (an answer built from bytes that are not UTF-8 once ended the process).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http_api.h"
#include "net/http_server.h"
#include "service/service.h"

namespace {

struct Api {
  std::unique_ptr<fl::service::Service> svc;
  std::unique_ptr<fl::net::HttpServer> http;
  std::string token;
};

Api& api() {
  static Api* a = [] {
    auto* out = new Api;
    fl::service::ServiceOptions o;
    o.data_dir = (std::filesystem::temp_directory_path() /
                  ("framelock-api-fuzz-" + std::to_string(::getpid())))
                     .string();
    o.media_roots = {"/usr/share/doc/opencv-doc/examples/data"};
    o.preview_cache_bytes = size_t(64) << 20;
    auto svc = fl::service::Service::open(o);
    if (!svc.ok()) std::abort();
    out->svc = std::move(*svc);  // not started: jobs stay queued, nothing renders behind us
    auto t = out->svc->tokens().create(fl::security::Role::kAdmin, "fuzz");
    if (!t.ok()) std::abort();
    out->token = t->token;
    fl::net::HttpServerOptions no;
    no.max_body_bytes = 64 << 10;
    out->http = std::make_unique<fl::net::HttpServer>(no);
    if (!fl::server::install_routes(*out->http, *out->svc, {}).ok()) std::abort();
    return out;
  }();
  return *a;
}

void check_responses(std::string_view out) {
  size_t at = 0;
  while (at < out.size()) {
    if (out.substr(at, 7) != "HTTP/1.") std::abort();
    const size_t head_end = out.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos) std::abort();
    const std::string_view head = out.substr(at, head_end - at);
    size_t length = 0;
    const size_t cl = head.find("Content-Length: ");
    if (cl == std::string_view::npos) return;  // chunked or closed: the rest is one body
    length = std::strtoull(std::string(head.substr(cl + 16, 20)).c_str(), nullptr, 10);
    // A HEAD request's answer declares its body's length and sends none: the next answer follows.
    if (out.substr(head_end + 4, 7) == "HTTP/1.") length = 0;
    const std::string_view body = out.substr(head_end + 4, length);
    if (head.find("application/json") != std::string_view::npos && !body.empty() &&
        nlohmann::json::parse(body, nullptr, false).is_discarded())
      std::abort();
    at = head_end + 4 + length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Api& a = api();
  std::string input(reinterpret_cast<const char*>(data), size);
  for (size_t at; (at = input.find("@TOKEN@")) != std::string::npos;) input.replace(at, 7, a.token);
  check_responses(a.http->handle_bytes(input));
  return 0;
}
