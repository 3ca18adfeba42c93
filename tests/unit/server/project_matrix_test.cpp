// Roles per project, checked as a matrix: every endpoint x every role (viewer, artist, admin) x
// member of the project / member of another project / member of none, plus the studio admin.
// Another project's things must answer exactly as missing ones do (404, or the 422 a graph
// naming unknown media gets), and lists must never show them.
#include <filesystem>
#include <set>

#include "server_fixture.h"

namespace fl::test {
namespace {

namespace fs = std::filesystem;

class ProjectMatrix : public ServerFixture {
 protected:
  // The studio's operator rules: AI operators for show-a's artists only, saturation for admins.
  void configure(service::ServiceOptions& o) override {
    auto p = security::Policy::parse(R"({"operators": [
        {"ops": ["@ai"], "projects": ["show-a"], "role": "artist"},
        {"ops": ["saturation"], "role": "admin"}]})",
                                     "studio.json");
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    o.policy = *p;
  }
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* p : {"show-a", "show-b"})
      ASSERT_TRUE(service_->projects().create(p, p, "test").ok());
    // Each show's footage in its own root: a copy of a real clip.
    for (auto* dir : {&dir_a_, &dir_a2_, &dir_b_})
      fs::copy_file(opencv_data("Megamind.avi"), dir->path() / "clip.avi");
    fs::copy_file(opencv_data("Megamind.avi"), dir_a_.path() / "second.avi");
    ASSERT_TRUE(service_->media().add_root("show-a", dir_a_.path().string()).ok());
    ASSERT_TRUE(service_->media().add_root("show-a", dir_a2_.path().string()).ok());
    ASSERT_TRUE(service_->media().add_root("show-b", dir_b_.path().string()).ok());
    auto a = service_->media().register_media("show-a", dir_a_.file("clip.avi"));
    auto b = service_->media().register_media("show-b", dir_b_.file("clip.avi"));
    ASSERT_TRUE(a.ok() && b.ok());
    media_a_ = a->id;
    media_b_ = b->id;
    auto token = [&](const std::string& grant) {
      auto g = security::parse_grant(grant);
      EXPECT_TRUE(g.ok()) << grant;
      auto t = service_->tokens().create(*g, grant);
      EXPECT_TRUE(t.ok());
      return *t;
    };
    for (const char* role : {"viewer", "artist", "admin"}) {
      member_[role] = token(std::string(role) + "@show-a").token;
      other_[role] = token(std::string(role) + "@show-b").token;
      // Granted in a project that does not exist: a member of none.
      none_[role] = token(std::string(role) + "@nowhere").token;
    }
  }

  nlohmann::json graph_over(const std::string& media) const {
    return {
        {"sources", {{"clip", {{"media", media}}}}},
        {"nodes",
         {{"grade", {{"op", "exposure"}, {"inputs", {"clip"}}, {"params", {{"stops", 0.5}}}}}}}};
  }

  TempDir dir_a_, dir_a2_, dir_b_;
  std::string media_a_, media_b_;
  std::map<std::string, std::string> member_, other_, none_;
};

struct Case {
  std::string method, path;
  nlohmann::json body;
  int viewer, artist, admin;  // members of show-a
  int studio;                 // the studio admin
  int other = 404;            // any role in show-b, or in no project
  int other_admin = 0;        // show-b's admin, where not `other`
};

TEST_F(ProjectMatrix, EveryEndpointAnswersEachRoleInEachProjectAsDocumented) {
  // show-a's resources: a finished job, a live session, a token, a member.
  Reply job =
      call("POST", "/v1/jobs", member_["admin"],
           nlohmann::json{{"graph", graph_over(media_a_)},
                          {"output", {{"node", "grade"}, {"name", "a.mov"}, {"frames", {0, 2}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  EXPECT_EQ(job.json.value("project", ""), "show-a");  // from its media
  const std::string job_a = job.json["id"];
  wait_for_job(job_a, "succeeded", member_["viewer"]);
  Reply session =
      call("POST", "/v1/sessions", member_["artist"], nlohmann::json{{"project", "show-a"}});
  ASSERT_EQ(session.status, 201) << session.body;
  const std::string session_a = session.json["id"];
  auto spare = service_->tokens().create(*security::parse_grant("viewer@show-a"), "spare");
  ASSERT_TRUE(spare.ok());
  const std::string spare_id = spare->info.id;
  const std::string a = "/v1/media/" + media_a_;
  const nlohmann::json preview = {
      {"graph", graph_over(media_a_)}, {"frame", 3}, {"scales", {0.125}}};
  const nlohmann::json new_job = {
      {"graph", graph_over(media_a_)},
      {"output", {{"node", "grade"}, {"name", "b.mov"}, {"frames", {0, 0}}}}};
  const std::string root_a2 = dir_a2_.path().string();

  std::vector<Case> cases = {
      {"GET", "/v1/ops", {}, 200, 200, 200, 200, 200},
      {"GET", "/v1/projects", {}, 200, 200, 200, 200, 200},
      {"GET", "/v1/projects/show-a", {}, 200, 200, 200, 200},
      {"POST", "/v1/projects", {{"id", "show-new"}}, 403, 403, 403, 201, 403},
      {"GET", "/v1/projects/show-a/members", {}, 403, 403, 200, 200},
      {"PUT", "/v1/projects/show-a/members/" + spare_id, {{"role", "artist"}}, 403, 403, 200, 200},
      {"DELETE", "/v1/projects/show-a/members/" + spare_id, {}, 403, 403, 200, 404},
      // Consents to alter protected likenesses: the project admin's (no likeness protected here).
      {"GET", "/v1/projects/show-a/consents", {}, 403, 403, 200, 200},
      {"POST",
       "/v1/projects/show-a/consents",
       {{"likeness", "nobody"}, {"granted_by", "x"}, {"until", "2099-01-01"}},
       403,
       403,
       422,
       422},
      {"DELETE", "/v1/projects/show-a/consents/c_0000", {}, 403, 403, 404, 404},
      {"GET", "/v1/media", {}, 200, 200, 200, 200, 200},
      {"GET", "/v1/media?project=show-a", {}, 200, 200, 200, 200},
      {"POST",
       "/v1/media",
       {{"path", dir_a_.file("second.avi")}, {"project", "show-a"}},
       403,
       201,
       201,
       201},
      // Without a project, the file's own; outside the caller's roots it is outside all of them.
      {"POST", "/v1/media", {{"path", dir_a_.file("second.avi")}}, 403, 201, 201, 201, 403},
      {"GET", a, {}, 200, 200, 200, 200},
      {"GET", a + "/frames/3?scale=0.125", {}, 200, 200, 200, 200},
      {"POST",
       a + "/characters/corrections",
       {{"op", "rename"}, {"id", 1}, {"name", "x"}},
       403,
       422,
       422,
       422},
      {"GET", "/v1/roots", {}, 403, 403, 200, 200, 403, 200},
      {"GET", "/v1/roots?project=show-a", {}, 403, 403, 200, 200},
      {"POST",
       "/v1/roots",
       {{"path", dir_a_.path().string()}, {"project", "show-a"}},
       403,
       403,
       201,
       201},
      {"GET", "/v1/tokens", {}, 403, 403, 200, 200, 403, 200},
      {"POST",
       "/v1/tokens",
       {{"role", "viewer"}, {"project", "show-a"}, {"name", "n"}},
       403,
       403,
       201,
       201},
      {"POST", "/v1/tokens", {{"role", "admin"}, {"name", "studio"}}, 403, 403, 403, 201, 403},
      {"POST", "/v1/previews", preview, 403, 200, 200, 200, 422},
      {"POST", "/v1/jobs", new_job, 403, 201, 201, 201, 422},
      {"GET", "/v1/jobs", {}, 200, 200, 200, 200, 200},
      {"GET", "/v1/jobs?project=show-a", {}, 200, 200, 200, 200},
      {"GET", "/v1/jobs/" + job_a, {}, 200, 200, 200, 200},
      {"GET", "/v1/jobs/" + job_a + "/output", {}, 200, 200, 200, 200},
      {"GET", "/v1/jobs/" + job_a + "/events", {}, 200, 200, 200, 200},
      // Not held (no content policy here): a project admin's answer is 409.
      {"POST", "/v1/jobs/" + job_a + "/review", {{"decision", "approve"}}, 403, 403, 409, 409},
      {"DELETE", "/v1/jobs/" + job_a, {}, 403, 403, 409, 409},
      {"POST", "/v1/sessions", {{"project", "show-a"}}, 403, 201, 201, 201},
      {"GET", "/v1/sessions/" + session_a, {}, 200, 200, 200, 200},
      {"PUT",
       "/v1/sessions/" + session_a + "/state",
       {{"state", {{"frame", 4}}}},
       403,
       200,
       200,
       200},
      {"GET", "/v1/audit", {}, 403, 403, 403, 200, 403},
      {"GET", "/v1/audit?project=show-a&limit=1000", {}, 403, 403, 200, 200},
      {"DELETE", "/v1/tokens/" + spare_id, {}, 403, 403, 200, 200},
      {"DELETE", "/v1/roots?path=" + root_a2, {}, 403, 403, 200, 404},
      // A studio action: refused to everyone else whatever the id; show-a still has roots.
      {"DELETE", "/v1/projects/show-a", {}, 403, 403, 403, 409, 403},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    std::string body = c.body.is_null() ? std::string() : c.body.dump();
    // Outsiders first, then the members, then the studio admin: what one of them changes (a
    // root removed, a token revoked) is what the later ones find.
    std::vector<std::tuple<std::string, std::string, int>> callers;
    for (const char* role : {"viewer", "artist", "admin"}) {
      const bool b_admin = std::string(role) == "admin" && c.other_admin;
      callers.emplace_back(std::string(role) + "@show-b", other_[role],
                           b_admin ? c.other_admin : c.other);
      callers.emplace_back(std::string(role) + "@nowhere", none_[role], c.other);
    }
    callers.emplace_back("viewer@show-a", member_["viewer"], c.viewer);
    callers.emplace_back("artist@show-a", member_["artist"], c.artist);
    callers.emplace_back("admin@show-a", member_["admin"], c.admin);
    callers.emplace_back("studio admin", admin_, c.studio);
    for (const auto& [who, token, want] : callers) {
      if (c.method == "PUT" && c.path.find("/state") != std::string::npos) {
        nlohmann::json versioned = c.body;  // a change names the version it was made from
        versioned["version"] = call("GET", "/v1/sessions/" + session_a, admin_).json["version"];
        body = versioned.dump();
      }
      Reply r = call(c.method, c.path, token, body);
      EXPECT_EQ(r.status, want) << who << ": " << r.body.substr(0, 300);
      if (want >= 400) {
        EXPECT_TRUE(r.json.contains("error")) << who << ": " << r.body.substr(0, 300);
      }
      // Nothing of show-a in what an outsider is shown.
      if (who.find("@show-a") == std::string::npos && who != "studio admin" && r.status < 300) {
        for (const std::string& secret : {media_a_, job_a, session_a, dir_a_.path().string(),
                                          std::string("\"show-a\""), spare_id}) {
          EXPECT_EQ(r.body.find(secret), std::string::npos) << who << " was shown " << secret;
        }
      }
      // And nothing of show-b in what show-a's members are shown.
      if (who.find("@show-a") != std::string::npos && r.status < 300) {
        for (const std::string& secret : {media_b_, dir_b_.path().string()}) {
          EXPECT_EQ(r.body.find(secret), std::string::npos) << who << " was shown " << secret;
        }
      }
    }
  }
}

TEST_F(ProjectMatrix, AnotherProjectsIdsAnswerAsMissingOnes) {
  // Byte for byte the answer a missing id gets, but for the id itself.
  for (const auto& [path, missing] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/media/" + media_a_, "/v1/media/m_0000000000000000"},
           {"/v1/projects/show-a", "/v1/projects/show-zzz"}}) {
    Reply hidden = call("GET", path, other_["admin"]);
    Reply absent = call("GET", missing, other_["admin"]);
    EXPECT_EQ(hidden.status, 404);
    EXPECT_EQ(absent.status, 404);
    const std::string id = path.substr(path.rfind('/') + 1),
                      gone = missing.substr(missing.rfind('/') + 1);
    std::string normalised = hidden.body;
    normalised.replace(normalised.find(id), id.size(), gone);
    EXPECT_EQ(normalised, absent.body);
  }
  // A graph naming another project's media is refused as one naming no media.
  Reply r = call("POST", "/v1/jobs", other_["artist"],
                 nlohmann::json{{"graph", graph_over(media_a_)},
                                {"output", {{"node", "grade"}, {"name", "x.mov"}}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("no media '" + media_a_ + "'"), std::string::npos) << r.body;
  // A path in another project's root is outside the caller's roots, as any other path is.
  nlohmann::json by_path = graph_over(media_a_);
  by_path["sources"]["clip"] = {{"path", dir_a_.file("clip.avi")}};
  r = call("POST", "/v1/jobs", other_["artist"],
           nlohmann::json{{"graph", by_path}, {"output", {{"node", "grade"}, {"name", "x.mov"}}}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("outside the media roots"), std::string::npos) << r.body;
  // Sources from two projects are one render too many.
  nlohmann::json both = graph_over(media_a_);
  both["sources"]["other"] = {{"media", media_b_}};
  Reply two =
      call("POST", "/v1/jobs", admin_,
           nlohmann::json{{"graph", both}, {"output", {{"node", "grade"}, {"name", "x.mov"}}}});
  EXPECT_EQ(two.status, 422) << two.body;
  EXPECT_NE(two.body.find("two projects"), std::string::npos) << two.body;
}

TEST_F(ProjectMatrix, ProjectAdminsManageMembersAndRootsOfTheirProjectOnly) {
  // show-b's viewer, added to show-a as an artist, renders there; removed, sees nothing again.
  auto b_viewer = service_->authenticate(other_["viewer"]);
  ASSERT_TRUE(b_viewer.ok());
  const std::string id = b_viewer->id;
  const nlohmann::json job = {
      {"graph", graph_over(media_a_)},
      {"output", {{"node", "grade"}, {"name", "m.mov"}, {"frames", {0, 0}}}}};
  EXPECT_EQ(call("POST", "/v1/jobs", other_["viewer"], job).status, 422);
  EXPECT_EQ(call("PUT", "/v1/projects/show-a/members/" + id, member_["admin"],
                 nlohmann::json{{"role", "artist"}})
                .status,
            200);
  Reply members = call("GET", "/v1/projects/show-a/members", member_["admin"]);
  EXPECT_NE(members.body.find(id), std::string::npos) << members.body;
  Reply made = call("POST", "/v1/jobs", other_["viewer"], job);
  EXPECT_EQ(made.status, 201) << made.body;
  Reply mine = call("GET", "/v1/projects", other_["viewer"]);
  EXPECT_NE(mine.body.find("show-a"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/projects/show-a/members/" + id, member_["admin"]).status, 200);
  EXPECT_EQ(call("GET", "/v1/jobs/" + made.json.value("id", ""), other_["viewer"]).status, 404);
  // show-a's admin cannot touch show-b: its members, roots and tokens answer 404.
  EXPECT_EQ(call("PUT", "/v1/projects/show-b/members/" + id, member_["admin"],
                 nlohmann::json{{"role", "admin"}})
                .status,
            404);
  EXPECT_EQ(call("DELETE", "/v1/roots?path=" + dir_b_.path().string(), member_["admin"]).status,
            404);
  // Two projects' roots never overlap: a root inside another's is a conflict.
  fs::create_directories(dir_b_.path() / "nested");
  Reply nested =
      call("POST", "/v1/roots", member_["admin"],
           nlohmann::json{{"path", (dir_b_.path() / "nested").string()}, {"project", "show-a"}});
  EXPECT_EQ(nested.status, 409) << nested.body;
  EXPECT_EQ(nested.body.find("show-b"), std::string::npos) << "names the other project";
  // A project admin makes tokens for their project only, and never a studio admin.
  EXPECT_EQ(call("POST", "/v1/tokens", member_["admin"],
                 nlohmann::json{{"role", "artist"}, {"project", "show-b"}, {"name", "x"}})
                .status,
            404);
  Reply t = call("POST", "/v1/tokens", member_["admin"],
                 nlohmann::json{{"role", "artist"}, {"project", "show-a"}, {"name", "new artist"}});
  ASSERT_EQ(t.status, 201) << t.body;
  EXPECT_EQ(call("GET", "/v1/media?project=show-a", t.json.value("token", "")).status, 200);
  EXPECT_EQ(call("GET", "/v1/media?project=show-b", t.json.value("token", "")).status, 404);
}

TEST_F(ProjectMatrix, ThePolicySaysWhoMayUseWhichOperatorWhere) {
  auto graph = [](const std::string& media, const std::string& op, nlohmann::json params) {
    return nlohmann::json{
        {"sources", {{"clip", {{"media", media}, {"frames", {0, 20}}}}}},
        {"nodes", {{"n", {{"op", op}, {"inputs", {"clip"}}, {"params", params}}}}}};
  };
  auto job = [&](const std::string& token, const nlohmann::json& g) {
    return call("POST", "/v1/jobs", token,
                nlohmann::json{{"graph", g},
                               {"output", {{"node", "n"}, {"name", "p.mov"}, {"frames", {0, 0}}}}});
  };
  const nlohmann::json lock = {{"reference", "frame:5"}, {"shots", "none"}};
  // scene_lock is an AI operator: show-a's artists may, show-b's admin may not.
  Reply a = job(member_["artist"], graph(media_a_, "scene_lock", lock));
  EXPECT_EQ(a.status, 201) << a.body;
  Reply b = job(other_["admin"], graph(media_b_, "scene_lock", lock));
  EXPECT_EQ(b.status, 403) << b.body;
  EXPECT_NE(b.body.find("/operators/0"), std::string::npos) << b.body;
  EXPECT_NE(b.body.find("scene_lock"), std::string::npos) << b.body;
  EXPECT_NE(b.body.find("nodes.n.op"), std::string::npos) << b.body;
  // The versioned id is the same operator; previews are held to the rule as jobs are.
  EXPECT_EQ(job(other_["admin"], graph(media_b_, "scene_lock.1", lock)).status, 403);
  Reply preview =
      call("POST", "/v1/previews", other_["admin"],
           nlohmann::json{{"graph", graph(media_b_, "scene_lock", lock)}, {"frame", 3}});
  EXPECT_EQ(preview.status, 403) << preview.body;
  // saturation: admins anywhere, artists nowhere; exposure, named by no rule: the role table's.
  EXPECT_EQ(job(member_["artist"], graph(media_a_, "saturation", {{"saturation", 1.2}})).status,
            403);
  EXPECT_EQ(job(other_["admin"], graph(media_b_, "saturation", {{"saturation", 1.2}})).status, 201);
  EXPECT_EQ(job(other_["artist"], graph(media_b_, "exposure", {{"stops", 1}})).status, 201);
}

TEST_F(ProjectMatrix, AProjectsAdminReadsThatProjectsRecordsOnly) {
  Reply job =
      call("POST", "/v1/jobs", member_["artist"],
           nlohmann::json{{"graph", graph_over(media_a_)},
                          {"output", {{"node", "grade"}, {"name", "r.mov"}, {"frames", {0, 1}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  wait_for_job(job.json.value("id", ""), "succeeded", member_["viewer"]);
  EXPECT_EQ(call("GET", "/v1/media/" + media_b_, member_["artist"]).status, 404);  // show-b's
  Reply log = call("GET", "/v1/audit?project=show-a&limit=1000", member_["admin"]);
  ASSERT_EQ(log.status, 200) << log.body;
  std::set<std::string> types;
  for (const auto& r : log.json["records"]) {
    EXPECT_EQ(r["event"].value("project", ""), "show-a") << r.dump();
    types.insert(r["event"].value("type", ""));
  }
  // The job's request, its output (with its hash) and its end are all there.
  for (const char* t : {"request", "output", "job"}) EXPECT_TRUE(types.count(t)) << t;
  EXPECT_EQ(log.body.find(media_b_), std::string::npos);
}

TEST_F(ProjectMatrix, RefusalsAcrossProjectsAreAudited) {
  EXPECT_EQ(call("GET", "/v1/media/" + media_a_, other_["artist"]).status, 404);
  security::AuditFilter f;
  f.type = "request";
  f.limit = 1000;
  auto records = security::read_audit_log(data_.file("data/audit"), f, nullptr);
  ASSERT_TRUE(records.ok());
  bool found = false;
  for (const auto& r : *records) {
    const auto& e = r["event"];
    if (e.value("path", "") == "/v1/media/" + media_a_ && e.value("outcome", "") == "refused" &&
        e.value("project", "") == "show-a" && e.value("status", 0) == 404)
      found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(ProjectMatrix, ADeletedProjectLeavesNothingBehindForTheNextOneOfItsName) {
  const std::string b_admin_id = service_->authenticate(other_["admin"])->id;
  Reply job =
      call("POST", "/v1/jobs", other_["artist"],
           nlohmann::json{{"graph", graph_over(media_b_)},
                          {"output", {{"node", "grade"}, {"name", "b.mov"}, {"frames", {0, 1}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  const std::string job_b = job.json["id"];
  wait_for_job(job_b, "succeeded", other_["viewer"]);
  ASSERT_EQ(call("PUT", "/v1/projects/show-b/members/oidc:someone", admin_,
                 nlohmann::json{{"role", "artist"}})
                .status,
            200);
  Reply session =
      call("POST", "/v1/sessions", other_["artist"], nlohmann::json{{"project", "show-b"}});
  ASSERT_EQ(session.status, 201);
  security::Consent consent;
  consent.project = "show-b";
  consent.likeness = "anyone";
  consent.granted_by = "agent";
  consent.until = "2099-12-31";
  ASSERT_TRUE(service_->consents().record(consent, "test").ok());

  EXPECT_EQ(call("DELETE", "/v1/projects/default", admin_).status, 409);
  EXPECT_EQ(call("DELETE", "/v1/projects/show-zzz", admin_).status, 404);
  Reply rooted = call("DELETE", "/v1/projects/show-b", admin_);
  EXPECT_EQ(rooted.status, 409) << rooted.body;
  EXPECT_NE(rooted.body.find("root"), std::string::npos) << rooted.body;
  ASSERT_EQ(call("DELETE", "/v1/roots?path=" + dir_b_.path().string(), admin_).status, 200);
  Reply deleted = call("DELETE", "/v1/projects/show-b", admin_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;

  // Its tokens are revoked, its job and live session are gone, and it is no project any more.
  EXPECT_EQ(call("GET", "/v1/projects", other_["admin"]).status, 401);
  EXPECT_EQ(call("GET", "/v1/jobs/" + job_b, admin_).status, 404);
  EXPECT_EQ(call("GET", "/v1/sessions/" + session.json["id"].get<std::string>(), admin_).status,
            404);
  EXPECT_EQ(call("GET", "/v1/projects/show-b", admin_).status, 404);
  EXPECT_FALSE(fs::exists(data_.path() / "jobs" / job_b));
  // Made again under the same id, it starts empty: no job, no member, no consent in force.
  ASSERT_EQ(call("POST", "/v1/projects", admin_, nlohmann::json{{"id", "show-b"}}).status, 201);
  EXPECT_EQ(call("GET", "/v1/jobs?project=show-b", admin_).json["jobs"].size(), 0u);
  Reply members = call("GET", "/v1/projects/show-b/members", admin_);
  EXPECT_EQ(members.json["members"].size(), 0u) << members.body;
  EXPECT_EQ(members.body.find(b_admin_id), std::string::npos);
  auto in_force = service_->consents().list("show-b");
  ASSERT_TRUE(in_force.ok());
  EXPECT_TRUE(in_force->empty());
  // On record.
  Reply log = call("GET", "/v1/audit?limit=1000", admin_);
  bool audited = false;
  for (const auto& r : log.json["records"])
    audited =
        audited || (r["event"]["method"] == "DELETE" &&
                    r["event"]["path"] == "/v1/projects/show-b" && r["event"]["status"] == 200);
  EXPECT_TRUE(audited) << log.body;
}

}  // namespace
}  // namespace fl::test
