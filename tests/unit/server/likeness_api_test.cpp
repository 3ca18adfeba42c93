// Protected likenesses through the API: a fill whose mask falls on a protected person (found in
// the media's cast by the face of the policy's reference) is refused with 403 naming them, and
// audited, until a project admin records a consent in force; a mask beside them, or a consent
// that has run out, covers another operator or was revoked, decide as they should.
#include <gtest/gtest.h>

#include "security/policy.h"
#include "server_fixture.h"
#include "test_support.h"

namespace fl::test {
namespace {

using nlohmann::json;

class LikenessApi : public ServerFixture {
 protected:
  void configure(service::ServiceOptions& o) override {
    // Roxanne's face from frame 170 (her second shot), as the studio's reference.
    ASSERT_EQ(ffmpeg("-i " + opencv_data("Megamind.avi") +
                     " -vf \"select=eq(n\\,170)\" -frames:v 1 " + policy_dir_.file("roxanne.png")),
              0);
    auto policy = security::Policy::parse(
        R"({"version": 1, "likenesses": [{"id": "roxanne", "name": "Roxanne Ritchi",
            "reference": "roxanne.png", "projects": ["default"]}]})",
        policy_dir_.file("policy.json"));
    ASSERT_TRUE(policy.ok()) << policy.status().to_string();
    o.policy = *policy;
  }

  // Fill over frames 0-20 of Megamind with a rectangle mask.
  json fill_job(const std::string& rect) const {
    return {
        {"graph",
         {{"sources", {{"clip", {{"media", megamind_id_}, {"frames", {0, 20}}}}}},
          {"nodes",
           {{"m", {{"op", "mask"}, {"inputs", {{"like", "clip"}}}, {"params", {{"shape", rect}}}}},
            {"remove",
             {{"op", "fill"},
              {"inputs", {{"in", "clip"}, {"mask", "m"}}},
              {"params", {{"hold", false}}}}}}}}},
        {"output", {{"node", "remove"}, {"name", "clean.mov"}}}};
  }

  void analyse_cast() {
    auto job = call("POST", "/v1/media/" + megamind_id_ + "/characters", artist_);
    ASSERT_EQ(job.status, 201) << job.body;
    ASSERT_EQ(wait_for_job(job.json["id"], "succeeded")["state"], "succeeded");
  }

  void cancel(const Reply& job) {
    if (job.status == 201) call("DELETE", "/v1/jobs/" + job.json["id"].get<std::string>(), artist_);
  }

  TempDir policy_dir_;
};

constexpr const char* kOnHerFace = "rect 220 200 60 60";
constexpr const char* kOnHerBody = "rect 230 400 60 60";
constexpr const char* kOnTheManBeside = "rect 440 220 40 40";

TEST_F(LikenessApi, FillOverAProtectedPersonNeedsAConsentInForce) {
  // No cast yet: nothing to check against, so nothing is assumed.
  auto early = call("POST", "/v1/jobs", artist_, fill_job(kOnHerFace));
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("/characters"), std::string::npos) << early.body;
  analyse_cast();

  for (const char* rect : {kOnHerFace, kOnHerBody}) {
    auto refused = call("POST", "/v1/jobs", artist_, fill_job(rect));
    ASSERT_EQ(refused.status, 403) << rect << ": " << refused.body;
    const std::string msg = refused.json["error"]["message"];
    EXPECT_NE(msg.find("Roxanne Ritchi"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'remove' (fill)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("character 1"), std::string::npos) << msg;
    EXPECT_EQ(refused.json["error"]["field"], "nodes.remove");
    EXPECT_EQ(msg.find(opencv_data("")), std::string::npos) << "no server path: " << msg;
  }
  // The man beside her is nobody the policy protects: his removal goes ahead.
  auto beside = call("POST", "/v1/jobs", artist_, fill_job(kOnTheManBeside));
  EXPECT_EQ(beside.status, 201) << beside.body;
  cancel(beside);

  // The refusal is on record, with the reason.
  auto audit = call("GET", "/v1/audit?limit=1000", admin_);
  ASSERT_EQ(audit.status, 200);
  bool recorded = false;
  for (const auto& r : audit.json["records"])
    recorded =
        recorded || (r["event"].value("outcome", "") == "refused" &&
                     r["event"].value("reason", "").find("Roxanne Ritchi") != std::string::npos);
  EXPECT_TRUE(recorded);

  // Consents: a project admin's to record. Artists cannot; another project's admin sees none.
  const std::string consents = "/v1/projects/default/consents";
  const json consent = {{"likeness", "roxanne"},
                        {"granted_by", "Roxanne Ritchi, by her agent"},
                        {"until", "2099-12-31"},
                        {"note", "release R-114"}};
  EXPECT_EQ(call("POST", consents, artist_, consent).status, 403);
  EXPECT_EQ(call("GET", consents, artist_).status, 403);
  auto unknown = call("POST", consents, admin_,
                      json{{"likeness", "nobody"}, {"granted_by", "x"}, {"until", "2099-01-01"}});
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(unknown.json["error"]["field"], "likeness");
  auto bad_date = call("POST", consents, admin_,
                       json{{"likeness", "roxanne"}, {"granted_by", "x"}, {"until", "2099-02-30"}});
  EXPECT_EQ(bad_date.status, 422);
  EXPECT_EQ(bad_date.json["error"]["field"], "until");

  // A consent that ran out yesterday, and one for another operator, do not cover a fill.
  auto expired =
      call("POST", consents, admin_,
           json{{"likeness", "roxanne"}, {"granted_by", "her agent"}, {"until", "2020-01-01"}});
  ASSERT_EQ(expired.status, 201) << expired.body;
  auto other_op = call("POST", consents, admin_,
                       json{{"likeness", "roxanne"},
                            {"granted_by", "her agent"},
                            {"until", "2099-01-01"},
                            {"ops", {"character_lock"}}});
  ASSERT_EQ(other_op.status, 201);
  EXPECT_EQ(call("POST", "/v1/jobs", artist_, fill_job(kOnHerFace)).status, 403);

  auto given = call("POST", consents, admin_, consent);
  ASSERT_EQ(given.status, 201) << given.body;
  EXPECT_EQ(given.json["project"], "default");
  EXPECT_FALSE(given.json["recorded_by"].get<std::string>().empty());
  auto allowed = call("POST", "/v1/jobs", artist_, fill_job(kOnHerFace));
  ASSERT_EQ(allowed.status, 201) << allowed.body;
  // The job says which consent it rests on.
  EXPECT_NE(allowed.json.dump().find(given.json["id"].get<std::string>()), std::string::npos)
      << allowed.body;
  cancel(allowed);

  auto listed = call("GET", consents, admin_);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json["likenesses"][0]["id"], "roxanne");
  EXPECT_EQ(listed.json["consents"].size(), 3u);

  // Revoked: refused again; the record stays, marked.
  const std::string id = given.json["id"];
  ASSERT_EQ(call("DELETE", consents + "/" + id, admin_).status, 200);
  EXPECT_EQ(call("DELETE", consents + "/" + id, admin_).status, 404);
  EXPECT_EQ(call("POST", "/v1/jobs", artist_, fill_job(kOnHerFace)).status, 403);
  auto with_revoked = call("GET", consents + "?revoked=true", admin_);
  EXPECT_EQ(with_revoked.json["consents"].size(), 3u);
  bool marked = false;
  for (const auto& c : with_revoked.json["consents"])
    marked = marked || (c["id"] == id && c.contains("revoked"));
  EXPECT_TRUE(marked) << with_revoked.body;
}

TEST_F(LikenessApi, APreviewIsCheckedOnTheFrameItShows) {
  analyse_cast();
  auto preview = [&](int frame) {
    json body = fill_job(kOnHerFace)["graph"];
    return call("POST", "/v1/previews", artist_,
                json{{"graph", body}, {"node", "remove"}, {"frame", frame}, {"scales", {0.125}}});
  };
  auto refused = preview(5);  // she is there
  EXPECT_EQ(refused.status, 403) << refused.body.substr(0, 400);
  EXPECT_NE(refused.body.find("Roxanne Ritchi"), std::string::npos);
  // Frame 0: her track starts at frame 1, so nothing of hers is altered.
  auto allowed = preview(0);
  EXPECT_EQ(allowed.status, 200) << allowed.body.substr(0, 400);
}

TEST_F(LikenessApi, EachOperatorIsCheckedWhereItAltersPictures) {
  analyse_cast();
  auto job = [&](const std::string& op, const json& params) {
    return call(
        "POST", "/v1/jobs", artist_,
        json{{"graph",
              {{"sources", {{"clip", {{"media", megamind_id_}, {"frames", {0, 20}}}}}},
               {"nodes", {{"x", {{"op", op}, {"inputs", {{"in", "clip"}}}, {"params", params}}}}}}},
             {"output", {{"node", "x"}, {"name", "x.mov"}}}});
  };
  struct Case {
    std::string op;
    json params;
    int status;
  };
  const std::vector<Case> cases = {
      // Her body reaches the bottom edge, not the sides.
      {"extend", {{"bottom", 32}}, 403},
      {"extend", {{"left", 32}, {"right", 32}}, 201},
      // A clean plate removes everyone who moves: her too.
      {"clean_plate", json::object(), 403},
      // Character lock grades the one character it names.
      {"character_lock", {{"character", "1"}, {"cast", "cast:" + megamind_id_}}, 403},
      {"character_lock", {{"character", "2"}, {"cast", "cast:" + megamind_id_}}, 201},
  };
  for (const auto& c : cases) {
    auto r = job(c.op, c.params);
    EXPECT_EQ(r.status, c.status) << c.op << " " << c.params.dump() << ": "
                                  << r.body.substr(0, 400);
    if (c.status == 403) {
      EXPECT_NE(r.body.find("Roxanne Ritchi"), std::string::npos) << r.body;
    }
    cancel(r);
  }
}

TEST_F(LikenessApi, AGradeOverTheWholeFrameAltersNoLikeness) {
  analyse_cast();
  auto job = call("POST", "/v1/jobs", artist_,
                  json{{"graph", exposure_graph(0.3)},
                       {"output", {{"node", "grade"}, {"name", "g.mov"}, {"frames", {0, 5}}}}});
  EXPECT_EQ(job.status, 201) << job.body;
  cancel(job);
  // Operators' schemas say which alter a likeness, and how.
  auto ops = call("GET", "/v1/ops", viewer_);
  ASSERT_EQ(ops.status, 200);
  std::map<std::string, std::string> reach;
  for (const auto& op : ops.json["ops"]) reach[op["name"]] = op["alters_likeness"];
  EXPECT_EQ(reach["exposure"], "no");
  EXPECT_EQ(reach["scene_lock"], "no");
  EXPECT_EQ(reach["fill"], "inside_mask");
  EXPECT_EQ(reach["extend"], "frame_edge");
  EXPECT_EQ(reach["clean_plate"], "whole_frame");
  EXPECT_EQ(reach["character_lock"], "character");
}

}  // namespace
}  // namespace fl::test
