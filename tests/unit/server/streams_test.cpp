// Streams and races: clients that hang up mid-stream, cancels that race a job's end, and the
// OpenAPI document against what the server actually serves.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "server_fixture.h"

namespace fl::test {
namespace {

namespace fs = std::filesystem;

// Sends a raw HTTP request, reads until `bytes` of the answer arrived, then closes the socket.
size_t hang_up_after(int port, const std::string& request, size_t bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  (void)!::write(fd, request.data(), request.size());
  size_t got = 0;
  char buf[4096];
  while (got < bytes) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got += size_t(n);
  }
  ::close(fd);
  return got;
}

TEST_F(ServerFixture, ClientHangingUpMidPreviewLeavesTheServerWell) {
  for (int i = 0; i < 5; ++i) {
    std::string body = nlohmann::json{
        {"session", "hangup"},
        {"graph", exposure_graph(0.1 * i)},
        {"frame", 100 + i}}.dump();
    std::string req =
        "POST /v1/previews HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + artist_ +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    // The headers and the first (coarse) level, then gone.
    EXPECT_GT(hang_up_after(port_, req, 2000), 0u);
  }
  // Still answering, previews of the same session still work to the end.
  Reply r = call("POST", "/v1/previews", artist_,
                 nlohmann::json{{"session", "hangup"}, {"graph", exposure_graph()}, {"frame", 10}});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"final\":true"), std::string::npos);
}

TEST_F(ServerFixture, ClientHangingUpOnEventsIsUnsubscribed) {
  Reply job = call("POST", "/v1/jobs", artist_,
                   nlohmann::json{{"graph", exposure_graph()},
                                  {"output", {{"node", "grade"}, {"name", "e.mov"}}}});
  ASSERT_EQ(job.status, 201);
  const std::string id = job.json["id"];
  {
    httplib::Client cli("127.0.0.1", port_);
    httplib::Headers h{{"Authorization", "Bearer " + viewer_}};
    int events = 0;
    cli.Get(("/v1/jobs/" + id + "/events").c_str(), h,
            [&](const char* data, size_t n) { return ++events < 2; });
    EXPECT_GE(events, 2);
  }
  // The stream notices at its next write (an event or the keep-alive) and lets go.
  bool released = false;
  for (int i = 0; i < 300 && !released; ++i) {
    released = service_->events().subscribers("job:" + id) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(released) << "the hung-up stream still holds its subscription";
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + id, artist_).status, 200);
}

TEST_F(ServerFixture, CancelRacingTheEndOfAJobHasOneOutcome) {
  int cancelled = 0, finished = 0;
  for (int i = 0; i < 12; ++i) {
    Reply job = call(
        "POST", "/v1/jobs", artist_,
        nlohmann::json{{"graph", exposure_graph()},
                       {"output", {{"node", "grade"}, {"name", "r.mov"}, {"frames", {i, i}}}}});
    ASSERT_EQ(job.status, 201);
    const std::string id = job.json["id"];
    // Aim the cancel at ever later moments of a one-frame job: early ones cancel it, late ones
    // find it finished; the ones between are the race.
    std::this_thread::sleep_for(std::chrono::milliseconds(15 * i));
    Reply c = call("DELETE", "/v1/jobs/" + id, artist_);
    nlohmann::json final_state;
    for (int k = 0; k < 400; ++k) {
      final_state = call("GET", "/v1/jobs/" + id, viewer_).json;
      std::string st = final_state.value("state", "");
      if (st == "succeeded" || st == "cancelled" || st == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (c.status == 409) {
      ++finished;
      EXPECT_EQ(final_state["state"], "succeeded");
      EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/output", viewer_).status, 200);
    } else {
      ++cancelled;
      EXPECT_EQ(c.status, 200) << c.body;
      EXPECT_EQ(final_state["state"], "cancelled");
      EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/output", viewer_).status, 409);
      EXPECT_FALSE(fs::exists(data_.file("data/jobs/" + id)));
    }
  }
  std::printf("cancel vs finish: %d cancelled, %d finished first\n", cancelled, finished);
  // Every job is accounted for, none lost or stuck.
  Reply all = call("GET", "/v1/jobs", viewer_);
  EXPECT_EQ(all.json["jobs"].size(), 12u);
  for (const auto& j : all.json["jobs"])
    EXPECT_TRUE(j["state"] == "succeeded" || j["state"] == "cancelled") << j.dump();
}

TEST_F(ServerFixture, OpenApiDescribesEveryRouteAndEveryOperatorParameter) {
  Reply doc = call("GET", "/v1/openapi.json", viewer_);
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.json["openapi"], "3.0.3");
  for (const char* path : {"/healthz",
                           "/v1/openapi.json",
                           "/v1/ops",
                           "/v1/media",
                           "/v1/media/{id}",
                           "/v1/media/{id}/frames/{n}",
                           "/v1/roots",
                           "/v1/tokens",
                           "/v1/tokens/{id}",
                           "/v1/previews",
                           "/v1/jobs",
                           "/v1/jobs/{id}",
                           "/v1/jobs/{id}/events",
                           "/v1/jobs/{id}/output",
                           "/v1/sessions",
                           "/v1/sessions/{id}",
                           "/v1/sessions/{id}/state",
                           "/v1/sessions/{id}/events",
                           "/v1/projects",
                           "/v1/projects/{id}",
                           "/v1/projects/{id}/members",
                           "/v1/projects/{id}/members/{principal}",
                           "/v1/audit"})
    EXPECT_TRUE(doc.json["paths"].contains(path)) << path;
  Reply ops = call("GET", "/v1/ops", viewer_);
  const auto& schemas = doc.json["components"]["schemas"];
  for (const auto& op : ops.json["ops"]) {
    const std::string name = "Op_" + op["name"].get<std::string>();
    ASSERT_TRUE(schemas.contains(name)) << name;
    for (const auto& p : op["params"]) {
      const auto& ps = schemas[name]["properties"]["params"]["properties"];
      EXPECT_TRUE(ps.contains(p["name"].get<std::string>())) << name << "." << p["name"];
      if (p.contains("min") && p["type"] != "vec3") {
        EXPECT_EQ(ps[p["name"].get<std::string>()]["minimum"], p["min"])
            << name << "." << p["name"];
      }
    }
  }
  // Every operation but those that need no credential (/healthz, the start of the page's
  // sign-in: their `security` is empty) says it answers 401/403.
  for (const auto& [path, methods] : doc.json["paths"].items())
    for (const auto& [method, op] : methods.items())
      if (!(op.contains("security") && op["security"].empty())) {
        EXPECT_TRUE(op["responses"].contains("401")) << method << " " << path;
        EXPECT_TRUE(op["responses"].contains("403")) << method << " " << path;
      }
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

// Slider drags: many previews of one session in flight at once. Each answer ends (final level,
// or cancelled by a newer one) and the last one always reaches its final level. This deadlocked
// once (a request arriving while a level was being delivered).
TEST_F(ServerFixture, ConcurrentPreviewsOfOneSessionAllEnd) {
  std::atomic<int> finals{0}, superseded{0}, broken{0};
  std::vector<std::thread> drag;
  for (int t = 0; t < 4; ++t)
    drag.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Reply r = call("POST", "/v1/previews", artist_,
                       nlohmann::json{{"session", "drag"},
                                      {"graph", exposure_graph(0.05 * (t * 10 + i))},
                                      {"frame", 100 + (t * 10 + i) % 7}});
        if (r.status != 200)
          ++broken;
        else if (r.body.find("\"cancelled\"") != std::string::npos)
          ++superseded;
        else if (r.body.find("\"final\":true") != std::string::npos)
          ++finals;
        else
          ++broken;
      }
    });
  for (auto& d : drag) d.join();
  EXPECT_EQ(broken.load(), 0);
  EXPECT_EQ(finals + superseded, 40);
  Reply last =
      call("POST", "/v1/previews", artist_,
           nlohmann::json{{"session", "drag"}, {"graph", exposure_graph()}, {"frame", 100}});
  EXPECT_NE(last.body.find("\"final\":true"), std::string::npos);
  std::printf("40 concurrent previews: %d final, %d superseded\n", finals.load(),
              superseded.load());
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

// The one endpoint the matrix cannot wait for (a session's stream never ends by itself): its
// status line, for every caller.
TEST_F(ServerFixture, SessionEventsNeedAToken) {
  Reply s = call("POST", "/v1/sessions", artist_);
  ASSERT_EQ(s.status, 201);
  auto status_line = [&](const std::string& token) {
    std::string req = "GET /v1/sessions/" + s.json["id"].get<std::string>() +
                      "/events HTTP/1.1\r\nHost: x\r\n" +
                      (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    (void)!::write(fd, req.data(), req.size());
    char buf[64] = {};
    (void)!::read(fd, buf, 12);
    ::close(fd);
    return std::string(buf, 12);
  };
  EXPECT_EQ(status_line(""), "HTTP/1.1 401");
  EXPECT_EQ(status_line("flk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "HTTP/1.1 401");
  for (const auto& t : {viewer_, artist_, admin_}) EXPECT_EQ(status_line(t), "HTTP/1.1 200");
}

// A browser sends consecutive previews over different connections, so an older request can
// reach the server after a newer one. Its `seq` says it is stale: it is answered at once and
// leaves the newer one rendering. Here the stale request arrives while the newer one is between
// its coarse and final levels (it would have cancelled it before).
TEST_F(ServerFixture, AStalePreviewArrivingLastCancelsNothing) {
  auto& previews = service_->previews();
  auto prepare = [&](uint64_t seq, const std::string& client) {
    service::PreviewRequest r;
    r.session = "ordered";
    r.client = client;
    r.seq = seq;
    r.frame = 120;
    security::Principal studio;
    studio.studio_admin = true;
    r.graph =
        service_->resolve_media(exposure_graph(0.1 * double(seq)), studio, std::nullopt)->graph;
    return *previews.prepare(r);
  };
  const auto newer = prepare(10, "tab"), stale = prepare(9, "tab");
  Status stale_result;
  int levels = 0;
  bool reached_final = false;
  Status newer_result = previews.stream(newer, [&](const service::PreviewLevel& level) {
    if (levels++ == 0) {
      std::thread([&] {
        stale_result = previews.stream(stale, [](const service::PreviewLevel&) { return true; });
      }).join();
    }
    reached_final = level.final;
    return true;
  });
  EXPECT_TRUE(newer_result.ok()) << newer_result.to_string();
  EXPECT_TRUE(reached_final);
  EXPECT_EQ(levels, 3);
  EXPECT_EQ(stale_result.code(), ErrorCode::kCancelled);
  // Another client of the same session is ordered by arrival, not by this client's numbers.
  const auto other = prepare(1, "other-tab");
  EXPECT_TRUE(previews.stream(other, [](const service::PreviewLevel&) { return true; }).ok());
}

}  // namespace
}  // namespace fl::test
