// The content policy through the API: sampled frames of what a generative operator made are
// scored by the content classifier, and the policy's action decides: block (the job fails, no
// file), flag (delivered, with the finding in its warnings and the audit log) or hold (kept, not
// delivered until a project admin approves). The class used here is "drawing", which Megamind,
// an animated film, scores high in: the mechanism is tested without footage nobody should keep.
#include <gtest/gtest.h>

#include "security/policy.h"
#include "server_fixture.h"
#include "test_support.h"

namespace fl::test {
namespace {

using nlohmann::json;

template <const char* kAction>
class ContentPolicy : public ServerFixture {
 protected:
  void configure(service::ServiceOptions& o) override {
    auto policy = security::Policy::parse(
        std::string(R"({"version": 1, "content": {"thresholds": {"drawing": 0.3}, "every": 5,
            "action": ")") +
            kAction + R"("}})",
        "policy.json");
    ASSERT_TRUE(policy.ok()) << policy.status().to_string();
    o.policy = *policy;
  }
  // Fill (a generative operator) over frames 0-20 of Megamind.
  json fill_job() const { return ServerFixture::fill_job(0, 20); }
  json grade_job() const {
    return {{"graph", exposure_graph(0.2)},
            {"output", {{"node", "grade"}, {"name", "g.mov"}, {"frames", {0, 20}}}}};
  }
  json run(const json& body, const std::string& state) {
    auto r = call("POST", "/v1/jobs", artist_, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return wait_for_job(r.json["id"], state);
  }
  json audit_of(const std::string& type) {
    auto all = call("GET", "/v1/audit?limit=1000&type=" + type, admin_);
    EXPECT_EQ(all.status, 200) << all.body;
    return all.json["records"];
  }
};

constexpr char kHold[] = "hold";
constexpr char kBlock[] = "block";
constexpr char kFlag[] = "flag";
using HeldContent = ContentPolicy<kHold>;
using BlockedContent = ContentPolicy<kBlock>;
using FlaggedContent = ContentPolicy<kFlag>;

TEST_F(HeldContent, AHeldOutputWaitsForAProjectAdmin) {
  const json job = run(fill_job(), "succeeded");
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["review"], "held");
  EXPECT_FALSE(job["output"].contains("url"));
  EXPECT_NE(job["warnings"].dump().find("drawing"), std::string::npos) << job.dump();
  const std::string id = job["id"], review = "/v1/jobs/" + id + "/review";
  auto held = call("GET", "/v1/jobs/" + id + "/output", viewer_);
  EXPECT_EQ(held.status, 409) << held.body;
  EXPECT_NE(held.body.find("held"), std::string::npos);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/output", artist_).status, 409);
  // The project's admins find it in the list of held jobs, and may look at it before deciding
  // (the look is on record).
  auto listed = call("GET", "/v1/jobs?project=default&review=held", admin_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["jobs"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json["jobs"][0]["id"], id);
  EXPECT_EQ(call("GET", "/v1/jobs?review=approved", admin_).json["jobs"].size(), 0u);
  EXPECT_EQ(call("GET", "/v1/jobs?review=maybe", admin_).status, 422);
  auto look = call("GET", "/v1/jobs/" + id + "/output", admin_);
  EXPECT_EQ(look.status, 200);
  EXPECT_GT(look.body.size(), 10000u);
  bool viewed = false;
  for (const auto& r : audit_of("content"))
    viewed = viewed || (r["event"]["action"] == "viewed" && r["event"]["job"] == id);
  EXPECT_TRUE(viewed);
  // Only a project admin decides; a decision is approve or reject.
  EXPECT_EQ(call("POST", review, artist_, json{{"decision", "approve"}}).status, 403);
  EXPECT_EQ(call("POST", review, admin_, json{{"decision", "maybe"}}).status, 422);
  auto approved = call("POST", review, admin_, json{{"decision", "approve"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json["review"], "approved");
  EXPECT_EQ(call("GET", "/v1/jobs/" + id + "/output", viewer_).status, 200);
  EXPECT_EQ(call("GET", "/v1/jobs?review=held", admin_).json["jobs"].size(), 0u);
  EXPECT_EQ(call("GET", "/v1/jobs?review=approved", viewer_).json["jobs"].size(), 1u);
  EXPECT_EQ(call("POST", review, admin_, json{{"decision", "reject"}}).status, 409);
  // On record: what was held, with the finding; the approval as a request.
  bool held_record = false;
  for (const auto& r : audit_of("content"))
    held_record = held_record || (r["event"]["action"] == "held" && r["event"]["job"] == id &&
                                  r["event"]["findings"][0]["class"] == "drawing");
  EXPECT_TRUE(held_record);

  // A rejected output is gone.
  const json second = run(fill_job(), "succeeded");
  const std::string id2 = second["id"];
  ASSERT_EQ(
      call("POST", "/v1/jobs/" + id2 + "/review", admin_, json{{"decision", "reject"}}).status,
      200);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id2 + "/output", admin_).status, 409);
  EXPECT_EQ(call("GET", "/v1/jobs/" + id2, viewer_).json["review"], "rejected");

  // A grade is no generative operator: nothing is checked, nothing held.
  const json graded = run(grade_job(), "succeeded");
  EXPECT_FALSE(graded.contains("review")) << graded.dump();
  EXPECT_TRUE(graded["output"].contains("url"));
}

TEST_F(BlockedContent, ABlockedOutputIsNeverDelivered) {
  const json job = run(fill_job(), "failed");
  ASSERT_EQ(job["state"], "failed") << job.dump();
  const std::string message = job["error"]["message"];
  EXPECT_NE(message.find("content policy"), std::string::npos) << message;
  EXPECT_NE(message.find("drawing"), std::string::npos) << message;
  EXPECT_EQ(call("GET", "/v1/jobs/" + job["id"].get<std::string>() + "/output", viewer_).status,
            409);
}

TEST_F(FlaggedContent, AFlaggedOutputIsDeliveredWithItsFinding) {
  const json job = run(fill_job(), "succeeded");
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_FALSE(job.contains("review"));
  EXPECT_NE(job["warnings"].dump().find("flags"), std::string::npos) << job.dump();
  EXPECT_EQ(call("GET", "/v1/jobs/" + job["id"].get<std::string>() + "/output", viewer_).status,
            200);
  bool flagged = false;
  for (const auto& r : audit_of("content"))
    flagged = flagged || (r["event"]["action"] == "flagged" && r["event"]["job"] == job["id"]);
  EXPECT_TRUE(flagged);
}

}  // namespace
}  // namespace fl::test
