// The HTTP layer over real sockets, the rest: push streams, handler exceptions, bytes that are
// not valid, query parameters, 405, static files, connection closing and handle_bytes.
#include "http_test_client.h"

namespace fl::net {
namespace {

using namespace fl::net::wire;

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
