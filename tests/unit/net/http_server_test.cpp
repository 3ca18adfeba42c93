// The HTTP layer over real sockets, requests: framing, pipelining, caps, the body gate,
// timeouts and set_stream producers. Every read has a 5 s socket timeout so a broken server
// fails a test instead of hanging it; no assertion is on latency.
#include "http_test_client.h"

namespace fl::net {
namespace {

using namespace fl::net::wire;

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
  // The refusal is logged with the request it refused (the parse stopped inside the header).
  std::mutex mu;
  std::vector<std::string> lines;
  srv.s.set_logger([&](const HttpRequest& req, int status, double, const std::string&) {
    std::lock_guard lock(mu);
    lines.push_back(req.method + " " + req.path + " " + std::to_string(status));
  });
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
  srv.s.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(lines, (std::vector<std::string>{"POST /echo 413", "POST /echo 200"}));
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

}  // namespace
}  // namespace fl::net
