// The raw-socket client and the test server the HTTP layer's tests share.
#pragma once

#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

// Internal linkage: each test file of test_net has its own copy.
namespace fl::net::wire {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A raw-socket client: exactly the bytes we choose go out, and we see exactly what comes back.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  bool ok() const { return ok_; }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }

  bool send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // False on timeout or close before `marker` arrived.
  bool read_until(std::string_view marker) {
    while (buf_.find(marker) == std::string::npos) {
      if (!fill()) return false;
    }
    return true;
  }

  std::optional<Response> read_response(bool head = false) {
    if (!read_until("\r\n\r\n")) return std::nullopt;
    size_t end = buf_.find("\r\n\r\n");
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    Response r;
    if (head_text.compare(0, 7, "HTTP/1.") != 0) return std::nullopt;
    r.status = std::stoi(head_text.substr(9, 3));
    size_t pos = head_text.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head_text.find("\r\n", pos + 2);
      std::string line =
          head_text.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next;
    }
    if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
    if (r.header("transfer-encoding") == "chunked") {
      for (;;) {
        if (!read_until("\r\n")) return std::nullopt;
        size_t eol = buf_.find("\r\n");
        size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2) {
          if (!fill()) return std::nullopt;
        }
        r.body += buf_.substr(eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) return r;
      }
    }
    if (!r.header("content-length").empty()) {
      size_t n = std::stoul(r.header("content-length"));
      while (buf_.size() < n) {
        if (!fill()) return std::nullopt;
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
      return r;
    }
    while (fill()) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    return r;
  }

  // True when the server closed the connection (EOF or reset) within the socket timeout.
  bool wait_closed() {
    char tmp[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET || errno == EPIPE;
    }
  }

  std::string& buffer() { return buf_; }

 private:
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// A server on a free loopback port with the routes most tests use.
class Server {
 public:
  explicit Server(HttpServerOptions o = {}) : s(o) {}
  void add_basics() {
    EXPECT_TRUE(s.route("GET", "/hello", [](const HttpRequest&, HttpResponse& res) {
                   res.set_body("hi", "text/plain");
                 }).ok());
    EXPECT_TRUE(
        s.route("GET", "/healthz",
                [](const HttpRequest&, HttpResponse& res) { res.set_body("ok", "text/plain"); },
                {.inline_handler = true})
            .ok());
    EXPECT_TRUE(s.route("POST", "/echo", [this](const HttpRequest& req, HttpResponse& res) {
                   ++echo_calls;
                   res.set_body("{\"got\":" + req.body + "}", "application/json");
                 }).ok());
    EXPECT_TRUE(s.route("GET", "/p/([a-z]+)", [](const HttpRequest& req, HttpResponse& res) {
                   res.set_body(req.matches.at(1), "text/plain");
                 }).ok());
  }
  int start() {
    EXPECT_TRUE(s.listen("127.0.0.1", 0).ok());
    s.start();
    return s.port();
  }
  HttpServer s;
  std::atomic<int> echo_calls{0};
};

}  // namespace
}  // namespace fl::net::wire
