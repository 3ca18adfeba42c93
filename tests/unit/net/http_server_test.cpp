// The HTTP layer over real sockets: framing, pipelining, caps, the body gate, timeouts,
// streams and push streams, static files, and handle_bytes. Every read has a 5 s socket
// timeout so a broken server fails a test instead of hanging it; no assertion is on latency.
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

namespace fl::net {
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

TEST(HttpServer, GetAndPostJson) {
  Server srv;
  srv.add_basics();
  std::atomic<int> logged{0};
  srv.s.set_logger([&](const HttpRequest&, int, double, const std::string&) { ++logged; });
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("/hello")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  ASSERT_TRUE(c.send(post("/echo", R"({"a":1})")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"got":{"a":1}})");
  EXPECT_EQ(r->header("content-type"), "application/json");
  ASSERT_TRUE(c.send(get("/nope")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  srv.s.stop();
  EXPECT_EQ(logged.load(), 3);
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder) {
  Server srv;
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/p/one") + get("/p/two")));
  for (const char* want : {"one", "two"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, want);
  }
  // Three, one with a body in the middle, in one write.
  ASSERT_TRUE(c.send(get("/p/abc") + post("/echo", "[1,2]") + get("/p/xyz")));
  auto r1 = c.read_response();
  auto r2 = c.read_response();
  auto r3 = c.read_response();
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->body, "abc");
  EXPECT_EQ(r2->body, "{\"got\":[1,2]}");
  EXPECT_EQ(r3->body, "xyz");
}

TEST(HttpServer, ChunkedBodyOverCapIsRefusedBeforeItEnds) {
  Server srv({.max_body_bytes = 1024});
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  std::string req = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk = "64\r\n" + std::string(100, 'x') + "\r\n";
  for (int i = 0; i < 12; ++i) req += chunk;  // 1200 bytes of body, and no last chunk
  ASSERT_TRUE(c.send(req));
  // The answer comes although the body never ends: the server stopped at the cap.
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(srv.echo_calls.load(), 0);
}

TEST(HttpServer, ContentLengthOverCapIsRefusedUnread) {
  Server srv({.max_body_bytes = 1024});
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.wait_closed());
  // A body within the cap still works on a new connection.
  Client d(port);
  ASSERT_TRUE(d.send(post("/echo", std::string(1024, '1'))));
  r = d.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, OversizedHeaderIs431) {
  Server srv({.max_header_bytes = 1024});
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/hello", "X-Big: " + std::string(4000, 'a') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.wait_closed());
}

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    srv.add_basics();
    srv.s.set_body_gate([this](const HttpRequest& req, HttpResponse& res) {
      ++gate_calls;
      if (!req.body.empty()) body_seen_by_gate = true;
      if (req.header("authorization") == "Bearer good") return true;
      res.status = 401;
      res.set_body("{\"error\":\"unauthorized\"}", "application/json");
      return false;
    });
    port = srv.start();
  }
  Server srv;
  int port = 0;
  std::atomic<int> gate_calls{0};
  std::atomic<bool> body_seen_by_gate{false};
};

TEST_F(GateTest, RefusesBeforeContinue) {
  Client c(port);
  ASSERT_TRUE(c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);  // not 100: the client never sends the body
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(srv.echo_calls.load(), 0);
}

TEST_F(GateTest, RefusesWhileBodyNotYetSent) {
  Client c(port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"));
  auto r = c.read_response();  // arrives although the 5 bytes were never sent
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "{\"error\":\"unauthorized\"}");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_FALSE(body_seen_by_gate.load());
  EXPECT_EQ(gate_calls.load(), 1);
}

TEST_F(GateTest, PassesAndSendsContinue) {
  Client c(port);
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good\r\n"
             "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("[7,8]"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"got\":[7,8]}");
  // Bodiless requests never meet the gate.
  ASSERT_TRUE(c.send(get("/hello")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(gate_calls.load(), 1);
}

TEST(HttpServer, SlowHeaderClientIsClosed) {
  Server srv({.header_timeout = 200ms});
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n"));
  // Trickling bytes does not extend the deadline: the header clock runs from the first byte.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (!c.send("X")) closed = true;
    std::this_thread::sleep_for(30ms);
  }
  EXPECT_TRUE(closed || c.wait_closed());
  // A fresh, prompt client is still served.
  Client d(port);
  ASSERT_TRUE(d.send(get("/hello")));
  auto r = d.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, IdleConnectionsAndPushStreamsDoNotStarveHealthz) {
  Server srv({.io_threads = 2, .worker_threads = 2});
  srv.add_basics();
  std::mutex m;
  std::vector<std::shared_ptr<PushStream>> streams;
  std::atomic<int> closed{0};
  ASSERT_TRUE(srv.s
                  .route("GET", "/events",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_push_stream("text/event-stream",
                                               [&](std::shared_ptr<PushStream> ps) {
                                                 ps->on_close([&] { ++closed; });
                                                 ps->send("data: hi\n\n");
                                                 std::lock_guard lock(m);
                                                 streams.push_back(std::move(ps));
                                               });
                         })
                  .ok());
  int port = srv.start();
  std::vector<std::unique_ptr<Client>> idle, push;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<Client>(port));
    ASSERT_TRUE(idle.back()->ok());
  }
  for (int i = 0; i < 100; ++i) {
    push.push_back(std::make_unique<Client>(port));
    ASSERT_TRUE(push.back()->send(get("/events")));
  }
  for (auto& p : push) ASSERT_TRUE(p->read_until("data: hi\n\n"));
  Client h(port);
  ASSERT_TRUE(h.send(get("/healthz")));
  auto r = h.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Ordinary handlers still run too: push streams hold no worker.
  ASSERT_TRUE(h.send(get("/hello")));
  r = h.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hi");
  srv.s.stop();
  EXPECT_EQ(closed.load(), 100);
}

TEST(HttpServer, SlowStreamProducerDoesNotBlockOthers) {
  Server srv({.worker_threads = 1});
  srv.add_basics();
  std::promise<void> release;
  auto released = release.get_future().share();
  ASSERT_TRUE(srv.s
                  .route("GET", "/slow",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_stream("application/x-ndjson", [released](StreamWriter& w) {
                             if (!w.write("{\"n\":1}\n")) return false;
                             released.wait();  // held open until the other requests were answered
                             for (int i = 2; i <= 3; ++i) {
                               if (!w.write("{\"n\":" + std::to_string(i) + "}\n")) return false;
                             }
                             return true;
                           });
                         })
                  .ok());
  int port = srv.start();
  Client s(port);
  ASSERT_TRUE(s.send(get("/slow")));
  ASSERT_TRUE(s.read_until("{\"n\":1}\n"));
  for (int i = 0; i < 5; ++i) {
    Client o(port);
    ASSERT_TRUE(o.send(get("/hello")));
    auto r = o.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "hi");
  }
  release.set_value();
  // The whole chunked body, then the connection is still usable.
  s.buffer().clear();
  ASSERT_TRUE(s.read_until("0\r\n\r\n"));
  EXPECT_NE(s.buffer().find("{\"n\":3}\n"), std::string::npos);
  s.buffer().clear();
  ASSERT_TRUE(s.send(get("/hello")));
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hi");
}

TEST(HttpServer, StreamBodyIsChunkedAndComplete) {
  Server srv;
  ASSERT_TRUE(srv.s
                  .route("GET", "/lines",
                         [](const HttpRequest&, HttpResponse& res) {
                           res.set_stream("text/plain", [](StreamWriter& w) {
                             for (int i = 0; i < 100; ++i) {
                               if (!w.write(std::to_string(i) + "\n")) return false;
                             }
                             return true;
                           });
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/lines")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  std::string want;
  for (int i = 0; i < 100; ++i) want += std::to_string(i) + "\n";
  EXPECT_EQ(r->body, want);
}

TEST(HttpServer, StreamWorkersAreBounded) {
  Server srv({.max_stream_workers = 1});
  srv.add_basics();
  std::promise<void> release;
  auto released = release.get_future().share();
  ASSERT_TRUE(srv.s
                  .route("GET", "/slow",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_stream("text/plain", [released](StreamWriter& w) {
                             bool ok = w.write("first\n");
                             released.wait();
                             return ok;
                           });
                         })
                  .ok());
  int port = srv.start();
  Client a(port);
  ASSERT_TRUE(a.send(get("/slow")));
  ASSERT_TRUE(a.read_until("first\n"));
  Client b(port);
  ASSERT_TRUE(b.send(get("/slow")));
  auto r = b.read_response();  // the only worker is busy: refused, not queued
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  release.set_value();
  ASSERT_TRUE(a.read_until("0\r\n\r\n"));
}

TEST(HttpServer, ConnectionsPerClientAreBounded) {
  Server srv({.max_connections_per_client = 2});
  srv.add_basics();
  int port = srv.start();
  Client a(port), b(port);
  ASSERT_TRUE(a.send(get("/hello")));
  ASSERT_TRUE(b.send(get("/hello")));
  ASSERT_TRUE(a.read_response());
  ASSERT_TRUE(b.read_response());
  Client c(port);  // accepted by the kernel, then closed by the server
  EXPECT_TRUE(c.wait_closed());
  a.close();
  // Slots come back when connections go; the server notices a's close asynchronously.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    Client d(port);
    if (d.send(get("/hello")) && d.read_response()) served = true;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(served);
}

TEST(HttpServer, PushClientDisconnectFiresOnClose) {
  Server srv;
  std::promise<void> closed;
  std::shared_ptr<PushStream> keep;
  std::mutex m;
  ASSERT_TRUE(srv.s
                  .route("GET", "/events",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_push_stream("text/event-stream",
                                               [&](std::shared_ptr<PushStream> ps) {
                                                 ps->on_close([&] { closed.set_value(); });
                                                 ps->set_keepalive(20ms, ": ping\n\n");
                                                 std::lock_guard lock(m);
                                                 keep = ps;
                                               });
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/events")));
  ASSERT_TRUE(c.read_until(": ping\n\n"));  // keep-alives come from the connection's timer
  c.close();
  auto f = closed.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  std::lock_guard lock(m);
  EXPECT_TRUE(keep->closed());
  EXPECT_FALSE(keep->send("data: late\n\n"));
  bool called = false;
  keep->on_close([&] { called = true; });  // after the fact: at once
  EXPECT_TRUE(called);
}

TEST(HttpServer, PushStreamCloseEndsTheResponse) {
  Server srv;
  ASSERT_TRUE(srv.s
                  .route("GET", "/events",
                         [](const HttpRequest&, HttpResponse& res) {
                           res.set_push_stream("text/event-stream",
                                               [](std::shared_ptr<PushStream> ps) {
                                                 std::thread([ps] {
                                                   ps->send("data: 1\n\n");
                                                   ps->send("data: 2\n\n");
                                                   ps->close();
                                                 }).detach();
                                               });
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/events")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-type"), "text/event-stream");
  EXPECT_EQ(r->body, "data: 1\n\ndata: 2\n\n");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, SlowPushClientIsClosed) {
  Server srv;
  std::promise<bool> refused;
  ASSERT_TRUE(srv.s
                  .route("GET", "/flood",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_push_stream("text/event-stream",
                                               [&](std::shared_ptr<PushStream> ps) {
                                                 std::string blob(64 << 10, 'x');
                                                 // The client never reads: beyond the queue bound
                                                 // send() gives up.
                                                 for (int i = 0; i < 100000; ++i) {
                                                   if (!ps->send(blob)) {
                                                     refused.set_value(true);
                                                     return;
                                                   }
                                                 }
                                                 refused.set_value(false);
                                               });
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/flood")));
  auto f = refused.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(f.get());
}

TEST(HttpServer, HandlerExceptionIs500AndServingGoesOn) {
  Server srv;
  srv.add_basics();
  std::string what;
  std::mutex m;
  srv.s.set_exception_handler([&](const HttpRequest&, HttpResponse& res, std::string w) {
    std::lock_guard lock(m);
    what = w;
    res.status = 500;
    res.set_body("{\"error\":\"internal\"}", "application/json");
  });
  ASSERT_TRUE(srv.s
                  .route("GET", "/throw",
                         [](const HttpRequest&, HttpResponse&) {
                           throw std::runtime_error("secret detail");
                         })
                  .ok());
  ASSERT_TRUE(
      srv.s.route("GET", "/throw-int", [](const HttpRequest&, HttpResponse&) { throw 42; }).ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/throw") + get("/throw-int") + get("/hello")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "{\"error\":\"internal\"}");
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hi");
  std::lock_guard lock(m);
  EXPECT_EQ(what, "unknown exception");
}

TEST(HttpServer, DefaultExceptionAnswerHidesInternals) {
  Server srv;
  ASSERT_TRUE(srv.s
                  .route("GET", "/throw",
                         [](const HttpRequest&, HttpResponse&) {
                           throw std::runtime_error("secret detail");
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/throw")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
}

TEST(HttpServer, InvalidBytesAreHandled) {
  Server srv;
  std::mutex m;
  std::string path, header, body;
  ASSERT_TRUE(srv.s
                  .route("GET", "/(.*)",
                         [&](const HttpRequest& req, HttpResponse& res) {
                           std::lock_guard lock(m);
                           path = req.path;
                           header = req.header("x-bin");
                           res.set_body("ok", "text/plain");
                         })
                  .ok());
  ASSERT_TRUE(srv.s
                  .route("POST", "/(.*)",
                         [&](const HttpRequest& req, HttpResponse& res) {
                           std::lock_guard lock(m);
                           body = req.body;
                           res.set_body("ok", "text/plain");
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/%FF%00x?q=%FF", "X-Bin: a\xff\xfe\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(c.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n\xff\x00\x80"s));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  {
    std::lock_guard lock(m);
    EXPECT_EQ(path, std::string("/\xff\0x", 4));
    EXPECT_EQ(header, "a\xff\xfe");
    EXPECT_EQ(body, std::string("\xff\0\x80", 3));
  }
  // Garbage instead of a request line: 400 and closed, and the server lives on.
  Client g(port);
  ASSERT_TRUE(g.send("\xff\xfe\x00 garbage\r\n\r\n"s));
  r = g.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(g.wait_closed());
  Client d(port);
  ASSERT_TRUE(d.send(get("/fine")));
  EXPECT_TRUE(d.read_response());
}

TEST(HttpServer, QueryParameters) {
  Server srv;
  std::mutex m;
  std::string a, b;
  bool has_c = false, has_z = true;
  ASSERT_TRUE(srv.s
                  .route("GET", "/q",
                         [&](const HttpRequest& req, HttpResponse& res) {
                           std::lock_guard lock(m);
                           a = req.param("a");
                           b = req.param("b");
                           has_c = req.has_param("c");
                           has_z = req.has_param("z");
                           res.set_body(req.path, "text/plain");
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/q?a=1%202&b=x+y&c")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/q");
  std::lock_guard lock(m);
  EXPECT_EQ(a, "1 2");
  EXPECT_EQ(b, "x y");
  EXPECT_TRUE(has_c);
  EXPECT_FALSE(has_z);
}

TEST(HttpServer, WrongMethodIs405WithAllow) {
  Server srv;
  auto ok = [](const HttpRequest&, HttpResponse& res) { res.set_body("ok", "text/plain"); };
  ASSERT_TRUE(srv.s.route("GET", "/thing", ok).ok());
  ASSERT_TRUE(srv.s.route("POST", "/thing", ok).ok());
  EXPECT_FALSE(srv.s.route("GET", "/bad(", ok).ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send("DELETE /thing HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD, POST");
  // HEAD follows GET: the length of the body, no body.
  ASSERT_TRUE(c.send("HEAD /thing HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.read_response(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "2");
  ASSERT_TRUE(c.send(get("/thing")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "ok");
}

TEST(HttpServer, StaticFilesStayInTheirDirectory) {
  test::TempDir tmp;
  namespace fs = std::filesystem;
  fs::create_directories(tmp.path() / "www" / "sub");
  std::ofstream(tmp.path() / "www" / "index.html") << "<h1>home</h1>";
  std::ofstream(tmp.path() / "www" / "app.js") << "console.log(1)";
  std::ofstream(tmp.path() / "www" / "sub" / "index.html") << "sub";
  std::ofstream(tmp.path() / "secret.txt") << "secret";
  fs::create_symlink(tmp.path() / "secret.txt", tmp.path() / "www" / "link.txt");
  Server srv;
  EXPECT_FALSE(srv.s.mount_static("/static", (tmp.path() / "missing").string()).ok());
  ASSERT_TRUE(srv.s.mount_static("/static", (tmp.path() / "www").string()).ok());
  int port = srv.start();
  Client c(port);
  auto fetch = [&](const std::string& path) {
    EXPECT_TRUE(c.send(get(path)));
    auto r = c.read_response();
    EXPECT_TRUE(r);
    return r.value_or(Response{});
  };
  auto r = fetch("/static/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  r = fetch("/static/app.js");
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(fetch("/static/sub").body, "sub");
  EXPECT_EQ(fetch("/static/../secret.txt").status, 404);
  EXPECT_EQ(fetch("/static/../etc/passwd").status, 404);
  EXPECT_EQ(fetch("/static/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(fetch("/static/%2e%2e/%2e%2e/etc/passwd").status, 404);
  EXPECT_EQ(fetch("/static/sub/%2E%2E/%2E%2E/secret.txt").status, 404);
  EXPECT_EQ(fetch("/static/link.txt").status, 404);  // a symlink out of the directory
  EXPECT_EQ(fetch("/static/nothing.css").status, 404);
  EXPECT_EQ(fetch("/staticx/app.js").status, 404);
  EXPECT_TRUE(c.send("HEAD /static/app.js HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto h = c.read_response(true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header("content-length"), "14");
  EXPECT_EQ(fetch("/static/app.js").body, "console.log(1)");  // HEAD left no stray body
}

TEST(HttpServer, LargeFileIsStreamedFromDisk) {
  test::TempDir tmp;
  std::string path = tmp.file("big.bin");
  {
    std::ofstream f(path, std::ios::binary);
    std::string block(1 << 20, '\0');
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7);
    for (int i = 0; i < 8; ++i) f << block;
  }
  Server srv;
  ASSERT_TRUE(srv.s
                  .route("GET", "/dl",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_file(path, "application/octet-stream");
                         })
                  .ok());
  ASSERT_TRUE(srv.s
                  .route("GET", "/gone",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_file(path + ".missing", "application/octet-stream");
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/dl") + get("/gone")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), 8u << 20);
  EXPECT_EQ(r->body[1 << 20 | 3], static_cast<char>(21));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST(HttpServer, Http10ClosesAfterResponse) {
  Server srv;
  srv.add_basics();
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hi");
  EXPECT_TRUE(c.wait_closed());
  // A client's Connection: close is honoured the same way.
  Client d(port);
  ASSERT_TRUE(d.send(get("/hello", "Connection: close\r\n")));
  r = d.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(d.wait_closed());
}

TEST(HttpServer, HandlerConnectionCloseCloses) {
  Server srv;
  srv.add_basics();
  ASSERT_TRUE(srv.s
                  .route("GET", "/bye",
                         [](const HttpRequest&, HttpResponse& res) {
                           res.set_header("Connection", "close");
                           res.set_body("bye", "text/plain");
                         })
                  .ok());
  int port = srv.start();
  Client c(port);
  ASSERT_TRUE(c.send(get("/bye") + get("/hello")));  // the second is never answered
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "bye");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.buffer().find("hi"), std::string::npos);
}

TEST(HttpServer, StopEndsPushStreamsAndReturns) {
  auto srv = std::make_unique<Server>();
  std::atomic<int> closed{0};
  std::mutex m;
  std::vector<std::shared_ptr<PushStream>> streams;
  ASSERT_TRUE(srv->s
                  .route("GET", "/events",
                         [&](const HttpRequest&, HttpResponse& res) {
                           res.set_push_stream("text/event-stream",
                                               [&](std::shared_ptr<PushStream> ps) {
                                                 ps->on_close([&] { ++closed; });
                                                 ps->send(": open\n\n");
                                                 std::lock_guard lock(m);
                                                 streams.push_back(ps);
                                               });
                         })
                  .ok());
  int port = srv->start();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<Client>(port));
    ASSERT_TRUE(clients.back()->send(get("/events")));
    ASSERT_TRUE(clients.back()->read_until(": open\n\n"));
  }
  EXPECT_TRUE(srv->s.running());
  srv->s.stop();
  EXPECT_FALSE(srv->s.running());
  EXPECT_EQ(closed.load(), 3);
  srv->s.stop();  // twice is fine
  for (auto& c : clients) EXPECT_TRUE(c->wait_closed());
  srv.reset();
  std::lock_guard lock(m);
  for (auto& ps : streams) EXPECT_FALSE(ps->send("data: after\n\n"));  // server gone: no crash
}

TEST(HttpServer, RunBlocksUntilStopFromAnotherThread) {
  Server srv;
  srv.add_basics();
  ASSERT_TRUE(srv.s.listen("127.0.0.1", 0).ok());
  std::thread t([&] { srv.s.run(); });
  while (!srv.s.running()) std::this_thread::sleep_for(1ms);
  Client c(srv.s.port());
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_TRUE(c.read_response());
  srv.s.stop();
  t.join();
  EXPECT_FALSE(srv.s.running());
}

TEST(HttpServer, HandleBytesAnswersEveryRequest) {
  HttpServer s;
  ASSERT_TRUE(s.route("GET", "/p/([a-z]+)", [](const HttpRequest& req, HttpResponse& res) {
                 res.set_body(req.matches.at(1), "text/plain");
               }).ok());
  ASSERT_TRUE(s.route("POST", "/echo", [](const HttpRequest& req, HttpResponse& res) {
                 res.set_body(req.body, "application/json");
               }).ok());
  ASSERT_TRUE(s.route("GET", "/lines", [](const HttpRequest&, HttpResponse& res) {
                 res.set_stream("text/plain",
                                [](StreamWriter& w) { return w.write("a\n") && w.write("b\n"); });
               }).ok());
  std::string out = s.handle_bytes(get("/p/one") + post("/echo", "{}"));
  size_t first = out.find("HTTP/1.1 200 OK");
  size_t second = out.find("HTTP/1.1 200 OK", first + 1);
  EXPECT_EQ(first, 0u);
  ASSERT_NE(second, std::string::npos);
  EXPECT_NE(out.find("\r\n\r\none"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 2), "{}");
  out = s.handle_bytes(get("/lines"));
  // Chunk boundaries are the server's choice (queued writes may merge); the bytes are not.
  auto body_at = out.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  std::string body, rest = out.substr(body_at + 4);
  for (;;) {
    size_t eol = rest.find("\r\n");
    ASSERT_NE(eol, std::string::npos);
    size_t n = std::stoul(rest.substr(0, eol), nullptr, 16);
    body += rest.substr(eol + 2, n);
    rest.erase(0, eol + 2 + n + 2);
    if (n == 0) break;
  }
  EXPECT_EQ(body, "a\nb\n");
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(s.handle_bytes("").size(), 0u);
  EXPECT_EQ(s.handle_bytes("junk\r\n\r\n").substr(0, 12), "HTTP/1.1 400");
}

}  // namespace
}  // namespace fl::net
