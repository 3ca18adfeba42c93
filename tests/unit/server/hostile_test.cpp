// Requests an attacker would send: bytes that are not UTF-8 in the path, the headers and JSON
// bodies. The server answers each with a JSON error and keeps answering (one such request used
// to end the process with nlohmann's type_error.316 from the 404 handler).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_fixture.h"

namespace fl::test {
namespace {

// One raw request on its own connection; the whole answer (the server closes after it).
std::string raw_exchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  (void)!::write(fd, request.data(), request.size());
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, size_t(n));
  ::close(fd);
  return got;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::atoi(response.c_str() + 9);
}

nlohmann::json body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  if (at == std::string::npos) return nullptr;
  auto j = nlohmann::json::parse(response.substr(at + 4), nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

TEST_F(ServerFixture, PathsThatAreNotUtf8GetA404AndTheServerLives) {
  for (const std::string path : {"/%FF", "/v1/jobs/%C3%28", "/\xff\xfe", "/v1/%ED%A0%80x"}) {
    std::string reply = raw_exchange(port_, "GET " + path +
                                                " HTTP/1.1\r\nHost: x\r\nConnection: "
                                                "close\r\n\r\n");
    EXPECT_EQ(status_of(reply), 404) << path << ": " << reply.substr(0, 200);
    auto j = body_of(reply);
    EXPECT_EQ(j["error"]["code"], "not_found") << reply;
  }
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
}

TEST_F(ServerFixture, JsonBodiesThatAreNotUtf8Get400) {
  const std::string bodies[] = {
      "{\"graph\": \"\xff\"}",
      "{\"path\": \"/tmp/\xc3\x28\"}",
      "\xef\xbb\xbf\xff{}",
  };
  for (const auto& body : bodies) {
    for (const char* path : {"/v1/jobs", "/v1/media", "/v1/previews"}) {
      Reply r = call("POST", path, artist_, body);
      EXPECT_EQ(r.status, 400) << path << ": " << r.body;
      EXPECT_EQ(r.json["error"]["code"], "invalid_argument") << r.body;
      EXPECT_EQ(r.body.find("json.exception"), std::string::npos) << r.body;
    }
  }
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
}

TEST_F(ServerFixture, NamesThatAreNotUtf8InsideValidJsonAreAnsweredInJson) {
  // Valid UTF-8 JSON escapes that decode to a lone surrogate: nlohmann refuses those too.
  Reply r = call("POST", "/v1/media", artist_, std::string(R"({"path": "/x/\udc80.mov"})"));
  EXPECT_EQ(r.status, 400) << r.body;
  // A registered path the file system has but that is not UTF-8 is answered without throwing.
  Reply m = call("POST", "/v1/media", artist_,
                 nlohmann::json{{"path", media_root_.file("missing clip \u00e9.mov")}});
  EXPECT_EQ(m.status, 422) << m.body;
  EXPECT_EQ(m.json["error"]["code"], "not_found") << m.body;
}

TEST_F(ServerFixture, HeadersThatAreNotUtf8AreRefusedWithoutInternals) {
  std::string reply = raw_exchange(
      port_,
      "GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\nConnection: "
      "close\r\n\r\n");
  EXPECT_EQ(status_of(reply), 401) << reply.substr(0, 300);
  EXPECT_EQ(reply.find("exception"), std::string::npos);
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
}

TEST_F(ServerFixture, TheBearerSchemeIsMatchedWithoutCaseAndANulIsNoCredential) {
  for (const std::string scheme : {"Bearer ", "bearer ", "BEARER   "}) {
    std::string reply =
        raw_exchange(port_, "GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: " + scheme +
                                viewer_ + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(reply), 200) << scheme << reply.substr(0, 300);
  }
  // A NUL after a valid token must not leave the valid token standing (nor before it).
  for (const std::string& value : std::vector<std::string>{
           "Bearer " + viewer_ + std::string("\0x", 2), std::string("Bearer \0", 8) + viewer_,
           "Basic " + viewer_, "Bearer", "Bearer ", "Bearer" + viewer_}) {
    std::string reply =
        raw_exchange(port_, "GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: " + value +
                                "\r\nConnection: close\r\n\r\n");
    const int status = status_of(reply);
    EXPECT_TRUE(status == 401 || status == 400) << status << " " << reply.substr(0, 300);
  }
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
}

TEST_F(ServerFixture, SecurityHeadersAndNoCorsByDefault) {
  for (const std::string& path : {std::string("/v1/media"), std::string("/v1/nowhere")}) {
    std::string reply = raw_exchange(port_, "GET " + path +
                                                " HTTP/1.1\r\nHost: x\r\nOrigin: "
                                                "https://evil.test\r\nAuthorization: Bearer " +
                                                viewer_ + "\r\nConnection: close\r\n\r\n");
    const std::string head = reply.substr(0, reply.find("\r\n\r\n"));
    EXPECT_NE(head.find("Content-Security-Policy: default-src 'self'; script-src 'self';"),
              std::string::npos)
        << head;
    EXPECT_NE(head.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_NE(head.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_NE(head.find("Referrer-Policy: no-referrer"), std::string::npos);
    EXPECT_EQ(head.find("Access-Control-Allow-Origin"), std::string::npos);
    EXPECT_EQ(head.find("Strict-Transport-Security"), std::string::npos);  // plain http here
  }
}

// Request smuggling (RFC 9112 §6.3): a body whose length two parsers could read differently is
// refused before anything reads it, so a proxy in front of the server cannot be desynchronised.
TEST_F(ServerFixture, AmbiguousFramingIsA400) {
  const std::string auth = "Authorization: Bearer " + artist_ + "\r\n";
  const std::string body = "{\"state\": {}}";  // 13 bytes: "d" chunked
  const std::string cases[] = {
      "Content-Length: 13\r\nContent-Length: 14\r\n",
      "Content-Length: 13\r\nContent-Length: 13\r\n",
      "Content-Length: +13\r\n",
      "Content-Length: 13, 13\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked\r\nContent-Length: 13\r\n",
      "Transfer-Encoding: identity\r\n",
  };
  for (const auto& framing : cases) {
    const bool chunked = framing.find("chunked") != std::string::npos;
    const std::string payload = chunked ? "d\r\n" + body + "\r\n0\r\n\r\n" : body;
    std::string reply = raw_exchange(port_, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth +
                                                "Content-Type: application/json\r\n" + framing +
                                                "Connection: close\r\n\r\n" + payload);
    EXPECT_EQ(status_of(reply), 400) << framing << "\n" << reply.substr(0, 300);
  }
  // The plain forms still work.
  std::string ok = raw_exchange(port_, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth +
                                           "Content-Type: application/json\r\nContent-Length: 13"
                                           "\r\nConnection: close\r\n\r\n" +
                                           body);
  EXPECT_EQ(status_of(ok), 201) << ok.substr(0, 300);
  std::string chunked = raw_exchange(
      port_, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth +
                 "Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\nConnection: "
                 "close\r\n\r\nd\r\n" +
                 body + "\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(chunked), 201) << chunked.substr(0, 300);
}

}  // namespace
}  // namespace fl::test
