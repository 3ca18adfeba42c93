// Character lock through the API: the analysis is a job with progress events, its cast is read
// and corrected under the same roles as the rest, and corrections survive a new analysis.
#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_support.h"

namespace fl::test {
namespace {

TEST_F(ServerFixture, CharactersAreAnAnalysisJobAndTheCastCanBeCorrected) {
  const std::string base = "/v1/media/" + megamind_id_ + "/characters";
  // No cast before the analysis; viewers cannot start one.
  auto none = call("GET", base, viewer_);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("POST " + base), std::string::npos) << none.body;
  EXPECT_EQ(call("POST", base, viewer_).status, 403);

  // Roxanne's face from frame 170, registered as media like any still.
  ASSERT_EQ(ffmpeg("-i " + opencv_data("Megamind.avi") +
                   " -vf \"select=eq(n\\,170)\" -frames:v 1 " + media_root_.file("roxanne.png")),
            0);
  auto still =
      call("POST", "/v1/media", artist_, nlohmann::json{{"path", media_root_.file("roxanne.png")}});
  ASSERT_EQ(still.status, 201) << still.body;
  // A reference that is not registered media is refused, naming the field.
  auto bad = call("POST", base, artist_,
                  nlohmann::json{{"references", {{{"name", "Roxanne"}, {"media", "m_nope"}}}}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json["error"]["field"], "references[0].media");

  auto job =
      call("POST", base, artist_,
           nlohmann::json{{"references", {{{"name", "Roxanne"}, {"media", still.json["id"]}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  const auto done = wait_for_job(job.json["id"], "succeeded");
  ASSERT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["frames_done"], 270);

  auto cast = call("GET", base, viewer_);
  ASSERT_EQ(cast.status, 200) << cast.body;
  ASSERT_EQ(cast.json["characters"].size(), 3u);
  EXPECT_EQ(cast.json["characters"][0]["name"], "Roxanne");
  // The job's output is the same cast.
  auto output = call("GET", "/v1/jobs/" + job.json["id"].get<std::string>() + "/output", viewer_);
  ASSERT_EQ(output.status, 200);
  EXPECT_EQ(nlohmann::json::parse(output.body), cast.json);

  // Corrections: artists only; a rename, a split, a merge of two people seen together refused.
  const nlohmann::json rename = {{"op", "rename"}, {"id", 3}, {"name", "Glasses"}};
  EXPECT_EQ(call("POST", base + "/corrections", viewer_, rename).status, 403);
  auto renamed = call("POST", base + "/corrections", artist_, rename);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json["characters"][2]["name"], "Glasses");
  auto split = call(
      "POST", base + "/corrections", artist_,
      nlohmann::json{{"op", "split"}, {"id", 2}, {"first", 61}, {"last", 97}, {"name", "Waiter"}});
  ASSERT_EQ(split.status, 200) << split.body;
  ASSERT_EQ(split.json["characters"].size(), 4u);
  auto together = call("POST", base + "/corrections", artist_,
                       nlohmann::json{{"op", "merge"}, {"into", 1}, {"id", 2}});
  EXPECT_EQ(together.status, 422) << together.body;
  EXPECT_EQ(call("POST", base + "/corrections", artist_,
                 nlohmann::json{{"op", "rename"}, {"id", 9}, {"name", "Hal"}})
                .status,
            422);
  EXPECT_EQ(call("POST", "/v1/media/m_nope/characters/corrections", artist_, rename).status, 404);
  EXPECT_EQ(call("POST", "/v1/media/m_nope/characters", artist_).status, 404);
  EXPECT_EQ(
      call("POST", base + "/corrections", artist_, nlohmann::json{{"op", "delete"}, {"id", 1}})
          .status,
      422);

  // Analysed again: the corrections carry over.
  auto again = call("POST", base, artist_);
  ASSERT_EQ(again.status, 201) << again.body;
  ASSERT_EQ(wait_for_job(again.json["id"], "succeeded")["state"], "succeeded");
  auto after = call("GET", base, viewer_);
  ASSERT_EQ(after.status, 200);
  ASSERT_EQ(after.json["characters"].size(), 4u);
  EXPECT_EQ(after.json["characters"][0]["name"], "Roxanne");
  EXPECT_EQ(after.json["characters"][2]["name"], "Glasses");
  EXPECT_EQ(after.json["characters"][3]["name"], "Waiter");
  EXPECT_EQ(after.json["corrections"].size(), 2u);

  // The OpenAPI document covers the three calls.
  auto doc = call("GET", "/v1/openapi.json", viewer_);
  ASSERT_EQ(doc.status, 200);
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters"].contains("post"));
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters"].contains("get"));
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters/corrections"].contains("post"));
}

}  // namespace
}  // namespace fl::test
