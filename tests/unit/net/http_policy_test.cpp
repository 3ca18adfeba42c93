// Headers the server adds to every answer, and CORS: off unless origins are configured, and then
// only for those origins.
#include "http_test_client.h"

namespace fl::net {
namespace {

HttpServer& with_route(HttpServer& s) {
  EXPECT_TRUE(s.route("GET", "/v1/x", [](const HttpRequest&, HttpResponse& res) {
                 res.set_body("{}", "application/json");
               }).ok());
  return s;
}

std::string request(const std::string& method, const std::string& extra) {
  return method + " /v1/x HTTP/1.1\r\nHost: x\r\n" + extra + "Connection: close\r\n\r\n";
}

TEST(HttpPolicy, DefaultHeadersGoOnEveryAnswerRefusalsIncluded) {
  HttpServer s;
  with_route(s);
  s.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}});
  for (const std::string& raw : {request("GET", ""), wire::get("/nowhere"),
                                 wire::post("/v1/x", "{}"), std::string("BROKEN\r\n\r\n")}) {
    std::string out = s.handle_bytes(raw);
    EXPECT_NE(out.find("X-Content-Type-Options: nosniff"), std::string::npos) << out;
    EXPECT_NE(out.find("Referrer-Policy: no-referrer"), std::string::npos) << out;
  }
}

TEST(HttpPolicy, CorsIsOffUnlessConfigured) {
  HttpServer s;
  with_route(s);
  const std::string origin = "Origin: https://evil.test\r\n";
  std::string out = s.handle_bytes(request("GET", origin));
  EXPECT_EQ(out.find("Access-Control-Allow-Origin"), std::string::npos) << out;
  out = s.handle_bytes(request("OPTIONS", origin + "Access-Control-Request-Method: GET\r\n"));
  EXPECT_EQ(out.rfind("HTTP/1.1 405", 0), 0u) << out;
  EXPECT_EQ(out.find("Access-Control-Allow"), std::string::npos) << out;
}

TEST(HttpPolicy, ConfiguredOriginsAndOnlyThoseGetCors) {
  HttpServer s;
  with_route(s);
  s.set_cors_origins({"https://review.studio.test"});
  const std::string good = "Origin: https://review.studio.test\r\n";
  std::string out = s.handle_bytes(request("GET", good));
  EXPECT_NE(out.find("Access-Control-Allow-Origin: https://review.studio.test"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Vary: Origin"), std::string::npos);
  out = s.handle_bytes(request("OPTIONS", good + "Access-Control-Request-Method: GET\r\n"));
  EXPECT_EQ(out.rfind("HTTP/1.1 204", 0), 0u) << out;
  EXPECT_NE(out.find("Access-Control-Allow-Methods: GET, HEAD"), std::string::npos) << out;
  EXPECT_NE(out.find("Access-Control-Allow-Headers: Authorization"), std::string::npos) << out;
  // A look-alike origin is a stranger.
  for (const char* o : {"https://review.studio.test.evil.test", "http://review.studio.test",
                        "https://review.studio.test:444", "null"}) {
    out = s.handle_bytes(request("GET", std::string("Origin: ") + o + "\r\n"));
    EXPECT_EQ(out.find("Access-Control-Allow-Origin"), std::string::npos) << o;
  }
}

}  // namespace
}  // namespace fl::net
