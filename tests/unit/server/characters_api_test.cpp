// Character lock through the API: the analysis is a job with progress events, its cast is read
// and corrected under the same roles as the rest, and corrections survive a new analysis.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <opencv2/imgcodecs.hpp>
#include <sstream>

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
      nlohmann::json{
          {"op", "split"}, {"id", 1}, {"first", 150}, {"last", 199}, {"name", "Roxanne-late"}});
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
  EXPECT_EQ(after.json["characters"][3]["name"], "Roxanne-late");
  EXPECT_EQ(after.json["corrections"].size(), 2u);

  // The OpenAPI document covers the three calls.
  auto doc = call("GET", "/v1/openapi.json", viewer_);
  ASSERT_EQ(doc.status, 200);
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters"].contains("post"));
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters"].contains("get"));
  EXPECT_TRUE(doc.json["paths"]["/v1/media/{id}/characters/corrections"].contains("post"));
}

// The final level of a preview stream, decoded (8-bit, as the page sees it).
cv::Mat final_preview(const std::string& ndjson) {
  std::istringstream lines(ndjson);
  std::string last;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) last = line;
  const std::string uri = nlohmann::json::parse(last).value("image", "");
  const std::string b64 = uri.substr(uri.find(',') + 1);
  std::vector<unsigned char> bytes(b64.size());
  const int n = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                                int(b64.size()));
  if (n <= 0) return {};
  bytes.resize(size_t(n));
  return cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
}

// The page's mask picker: a graph names a media's cast as `cast:<media id>`, which follows the
// cast's corrections and needs no server path.
TEST_F(ServerFixture, AGraphNamesAMediasCast) {
  auto matte = [&](const std::string& cast, const std::string& character) {
    nlohmann::json graph = {{"sources", {{"clip", {{"media", megamind_id_}}}}},
                            {"nodes",
                             {{"who",
                               {{"op", "character_mask"},
                                {"inputs", {"clip"}},
                                {"params", {{"character", character}, {"cast", cast}}}}}}}};
    return call("POST", "/v1/previews", artist_,
                nlohmann::json{{"graph", graph}, {"frame", 45}, {"format", "png"}});
  };
  const std::string own = "cast:" + megamind_id_;
  // Before the analysis: the error says how to make one.
  auto early = matte(own, "1");
  EXPECT_GE(early.status, 400) << early.body;
  EXPECT_NE(early.body.find("POST /v1/media/" + megamind_id_ + "/characters"), std::string::npos)
      << early.body;
  EXPECT_NE(early.body.find("params.cast"), std::string::npos) << early.body;
  // Only registered media: no way out of the data directory.
  for (const std::string bad : {"cast:m_nope", "cast:../../framelock", "cast:"}) {
    auto r = matte(bad, "1");
    EXPECT_GE(r.status, 400) << bad;
    EXPECT_LT(r.status, 500) << bad << ": " << r.body;
  }

  auto job = call("POST", "/v1/media/" + megamind_id_ + "/characters", artist_);
  ASSERT_EQ(job.status, 201) << job.body;
  ASSERT_EQ(wait_for_job(job.json["id"], "succeeded")["state"], "succeeded");
  auto first = matte(own, "1");
  ASSERT_EQ(first.status, 200) << first.body;
  const cv::Mat m = final_preview(first.body);
  ASSERT_EQ(m.cols, 720);
  const double on = cv::countNonZero(m > 128) / double(m.total());
  EXPECT_GT(on, 0.05);  // the lead in the two-shot: a good part of the frame, not all of it
  EXPECT_LT(on, 0.6);
  // A name given in a correction reaches the graph; an unknown one fails naming the field.
  auto renamed = call("POST", "/v1/media/" + megamind_id_ + "/characters/corrections", artist_,
                      nlohmann::json{{"op", "rename"}, {"id", 1}, {"name", "Roxanne"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  auto by_name = matte(own, "Roxanne");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(cv::norm(final_preview(by_name.body), m, cv::NORM_INF), 0);
  auto unknown = matte(own, "Hal");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(unknown.body.find("Roxanne"), std::string::npos) << unknown.body;
}

}  // namespace
}  // namespace fl::test
