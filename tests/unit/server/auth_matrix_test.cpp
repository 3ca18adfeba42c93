// Every endpoint x (no token, wrong token, revoked token, viewer, artist, admin): the answer
// each must get. The table is the permission model of docs/security.md, checked for real.
#include <filesystem>

#include "server_fixture.h"

namespace fl::test {
namespace {

struct Case {
  std::string method, path;
  nlohmann::json body;
  // Expected status for viewer, artist, admin.
  int viewer, artist, admin;
};

TEST_F(ServerFixture, EveryEndpointAnswersEachRoleAsDocumented) {
  // Resources the table refers to.
  Reply job =
      call("POST", "/v1/jobs", admin_,
           nlohmann::json{{"graph", exposure_graph()},
                          {"output", {{"node", "grade"}, {"name", "a.mov"}, {"frames", {0, 2}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  std::string job_id = job.json["id"];
  wait_for_job(job_id, "succeeded");
  Reply session = call("POST", "/v1/sessions", artist_);
  ASSERT_EQ(session.status, 201) << session.body;
  std::string sid = session.json["id"];
  std::string m = megamind_id_;
  const nlohmann::json preview = {{"graph", exposure_graph()}, {"frame", 3}, {"scales", {0.125}}};
  const nlohmann::json new_job = {
      {"graph", exposure_graph()},
      {"output", {{"node", "grade"}, {"name", "b.mov"}, {"frames", {0, 0}}}}};

  auto spare = service_->tokens().create(security::Role::kViewer, "spare");
  ASSERT_TRUE(spare.ok());
  const std::string throwaway = spare->info.id;
  std::vector<Case> cases = {
      {"GET", "/v1/openapi.json", {}, 200, 200, 200},
      {"GET", "/v1/ops", {}, 200, 200, 200},
      {"GET", "/v1/media", {}, 200, 200, 200},
      {"POST", "/v1/media", {{"path", opencv_data("vtest.avi")}}, 403, 201, 201},
      {"GET", "/v1/media/" + m, {}, 200, 200, 200},
      {"GET", "/v1/media/" + m + "/frames/10?scale=0.125", {}, 200, 200, 200},
      {"GET", "/v1/roots", {}, 403, 403, 200},
      {"POST", "/v1/roots", {{"path", media_root_.path().string()}}, 403, 403, 201},
      {"GET", "/v1/tokens", {}, 403, 403, 200},
      {"POST", "/v1/tokens", {{"role", "viewer"}, {"name", "made in the matrix"}}, 403, 403, 201},
      {"POST", "/v1/previews", preview, 403, 200, 200},
      {"GET", "/v1/jobs", {}, 200, 200, 200},
      {"POST", "/v1/jobs", new_job, 403, 201, 201},
      {"GET", "/v1/jobs/" + job_id, {}, 200, 200, 200},
      {"GET", "/v1/jobs/" + job_id + "/output", {}, 200, 200, 200},
      {"GET", "/v1/jobs/" + job_id + "/events", {}, 200, 200, 200},
      // The admin's finished job: others may not cancel it; the admin is told it ended.
      {"DELETE", "/v1/jobs/" + job_id, {}, 403, 403, 409},
      {"POST", "/v1/sessions", {}, 403, 201, 201},
      {"GET", "/v1/sessions/" + sid, {}, 200, 200, 200},
      {"PUT", "/v1/sessions/" + sid + "/state", {{"state", {{"frame", 4}}}}, 403, 200, 200},
      {"DELETE", "/v1/tokens/" + throwaway, {}, 403, 403, 200},
      {"DELETE", "/v1/roots?path=" + media_root_.path().string(), {}, 403, 403, 200},
  };
  // A revoked token is as good as none.
  auto revoked = service_->tokens().create(security::Role::kAdmin, "to revoke");
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(service_->tokens().revoke(revoked->info.id).ok());
  const std::string wrong = "flk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    std::string body = c.body.is_null() ? std::string() : c.body.dump();
    for (const std::string& bad : {std::string(), wrong, std::string("garbage"), revoked->token}) {
      Reply r = call(c.method, c.path, bad, body);
      EXPECT_EQ(r.status, 401) << "token '" << bad << "': " << r.body;
      EXPECT_TRUE(r.json.contains("error")) << r.body;
    }
    const std::pair<std::string, int> roles[] = {
        {viewer_, c.viewer}, {artist_, c.artist}, {admin_, c.admin}};
    for (const auto& [token, expected] : roles) {
      if (c.method == "PUT") {  // a session change names the version it was made from
        nlohmann::json versioned = c.body;
        versioned["version"] = call("GET", "/v1/sessions/" + sid, admin_).json["version"];
        body = versioned.dump();
      }
      Reply r = call(c.method, c.path, token, body);
      EXPECT_EQ(r.status, expected) << r.body.substr(0, 300);
      if (expected >= 400) {
        EXPECT_TRUE(r.json.contains("error")) << r.body.substr(0, 300);
      }
    }
  }
  // /healthz needs nothing.
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
}

TEST_F(ServerFixture, ArtistsCancelTheirOwnJobsOnlyAndAdminsAnyone) {
  auto start = [&](const std::string& token) {
    Reply r = call("POST", "/v1/jobs", token,
                   nlohmann::json{{"graph", exposure_graph()},
                                  {"output", {{"node", "grade"}, {"name", "long.mov"}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", "");
  };
  std::string mine = start(artist_);
  std::string theirs = start(artist2_);
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + theirs, artist_).status, 403);
  Reply own = call("DELETE", "/v1/jobs/" + mine, artist_);
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json.value("state", ""), "cancelled");
  Reply any = call("DELETE", "/v1/jobs/" + theirs, admin_);
  EXPECT_EQ(any.status, 200) << any.body;
  EXPECT_EQ(any.json.value("state", ""), "cancelled");
  // Cancelled means gone: no output, no segments, and a second cancel is a conflict.
  EXPECT_EQ(call("GET", "/v1/jobs/" + mine + "/output", artist_).status, 409);
  EXPECT_EQ(call("DELETE", "/v1/jobs/" + mine, artist_).status, 409);
  EXPECT_FALSE(std::filesystem::exists(data_.file("data/jobs/" + mine)));
}

}  // namespace
}  // namespace fl::test
