// framelock watermark keygen, embed and detect: the key file is made once, readable by its owner
// alone, and only its fingerprint is printed; a mark embedded in real footage is read back blind
// after a real re-encode, crop and eq (bench/watermark_attacks.sh runs the whole attack matrix).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "provenance/watermark_key.h"

namespace fl::test {
namespace {

class WatermarkCli : public Cli {};

TEST_F(WatermarkCli, KeygenWritesTheKeyOnceAndPrintsOnlyItsFingerprint) {
  auto made = run("watermark keygen --out studio.key");
  ASSERT_EQ(made.code, 0) << made.err;
  struct stat st {};
  ASSERT_EQ(::stat(dir_.file("studio.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = provenance::read_watermark_key(dir_.file("studio.key"));
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_EQ(made.out, key->fingerprint() + "\n");
  std::ostringstream text;
  text << std::ifstream(dir_.file("studio.key")).rdbuf();
  const std::string secret = text.str().substr(text.str().rfind(' ') + 1, 64);
  EXPECT_EQ(made.out.find(secret), std::string::npos);
  EXPECT_EQ(made.err.find(secret), std::string::npos);

  auto again = run("watermark keygen --out studio.key");
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.err.find("never overwritten"), std::string::npos) << again.err;
  EXPECT_EQ(provenance::read_watermark_key(dir_.file("studio.key"))->secret, key->secret);
  EXPECT_NE(run("watermark keygen --out no/such/dir/k.key").code, 0);
}

nlohmann::json detected(const Outcome& o) {
  EXPECT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << o.out;
  return j;
}

TEST_F(WatermarkCli, EmbedsInRealFootageAndDetectsBlindAfterReencodeCropAndEq) {
  ASSERT_EQ(run("watermark keygen --out studio.key").code, 0);
  // Three seconds of Megamind, from its first bright frames.
  auto made = run("watermark embed " + mega_ +
                  " marked.mkv --payload 5eed0c0de --key studio.key --codec ffv1 --frames 24-95");
  ASSERT_EQ(made.code, 0) << made.err;
  const std::string marked = dir_.file("marked.mkv");
  // Its Content Credentials (a sidecar, for MKV) say it was watermarked, and with what.
  auto credentials = run("provenance show marked.mkv --json");
  ASSERT_EQ(credentials.code, 0) << credentials.err;
  const auto report = nlohmann::json::parse(credentials.out);
  EXPECT_EQ(report["assertions"]["c2pa.actions.v2"]["actions"][1]["action"], "c2pa.watermarked")
      << credentials.out;
  EXPECT_EQ(report["assertions"]["c2pa.soft-binding"]["alg"], "org.framelock.watermark.1");
  ASSERT_EQ(test::ffmpeg("-i " + marked + " -c:v libx264 -preset medium -crf 30 -pix_fmt yuv420p " +
                         dir_.file("x264.mp4")),
            0);
  ASSERT_EQ(
      test::ffmpeg("-i " + marked +
                   " -vf 'crop=trunc(iw*0.44)*2:trunc(ih*0.44)*2:trunc(iw*0.09):trunc(ih*0.02),"
                   "eq=contrast=1.3:brightness=-0.08:saturation=0.5:gamma=1.2' "
                   "-c:v libx265 -crf 30 -x265-params log-level=error " +
                   dir_.file("crop_eq.mp4")),
      0);
  for (const char* file : {"x264.mp4", "crop_eq.mp4"}) {
    auto j = detected(
        run(std::string("watermark detect ") + file + " --key studio.key --start 0.5 --json"));
    EXPECT_TRUE(j.value("found", false)) << file << ": " << j.dump();
    EXPECT_EQ(j.value("record", 0ull), 0x5eed0c0deull) << file;
    EXPECT_EQ(j.value("epoch", 99), 0) << file;
    EXPECT_LT(j.value("false_positive", 1.0), 1e-9) << file;
  }
  auto text = run("watermark detect x264.mp4 --key studio.key");
  EXPECT_NE(text.out.find("record 5eed0c0de"), std::string::npos) << text.out;

  // The source itself carries no mark; another studio's key finds none in the marked file.
  auto none = detected(run("watermark detect " + mega_ + " --key studio.key --start 1 --json"));
  EXPECT_FALSE(none.value("found", true));
  EXPECT_GT(none.value("false_positive", 0.0), 0.0);
  EXPECT_FALSE(none.contains("record"));
  ASSERT_EQ(run("watermark keygen --out other.key").code, 0);
  auto other = detected(run("watermark detect x264.mp4 --key other.key --json"));
  EXPECT_FALSE(other.value("found", true));
  auto plain = run("watermark detect " + mega_ + " --key studio.key");
  EXPECT_NE(plain.out.find("no mark"), std::string::npos) << plain.out;
}

TEST_F(WatermarkCli, RenderMarksWithARecordInTheDataDirectorysAuditLog) {
  ASSERT_EQ(run("watermark keygen --out studio.key").code, 0);
  const std::string apply =
      "apply " + mega_ + " graded.mkv exposure stops=0.2 --codec ffv1 " + "--frames 24-71 --json ";
  // A pure grade is marked only when asked to be.
  auto plain = run(apply + "--watermark-key studio.key --data data");
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("\"watermark\""), std::string::npos) << plain.out;
  auto all = run(apply + "--watermark-key studio.key --data data --watermark-all");
  ASSERT_EQ(all.code, 0) << all.err;
  const auto done = nlohmann::json::parse(all.out.substr(all.out.rfind("{\"event\":\"done\"")));
  ASSERT_TRUE(done.contains("watermark")) << all.out;
  const int64_t record = done["watermark"]["record"];

  auto j = detected(run("watermark detect graded.mkv --key studio.key --data data --json"));
  ASSERT_TRUE(j.value("found", false)) << j.dump();
  EXPECT_EQ(j["record"], record);
  EXPECT_EQ(j["audit"]["assigned"]["event"]["type"], "watermark");
  EXPECT_EQ(j["audit"]["output"]["event"]["watermark"]["record"], record);
  EXPECT_FALSE(j["audit"]["output"]["event"]["output"].value("sha256", "").empty());
  // The record keeps how far the output's frame numbers run (frames 24-71: 72), which bounds
  // the epochs informed detection tests.
  EXPECT_EQ(j["audit"]["assigned"]["event"].value("frames", 0), 72);
  EXPECT_GT(j["audit"]["assigned"]["event"].value("frame_rate", 0.0), 23.9);

  // Footage without the mark: the blind decode finds nothing, then each mark the log issued is
  // tested (informed detection), and none is named.
  auto none = detected(run("watermark detect " + mega_ + " --key studio.key --data data --json"));
  EXPECT_FALSE(none.value("found", true)) << none.dump();
  EXPECT_FALSE(none.value("informed", true));
  EXPECT_GT(none.value("hypotheses", 0), 0) << none.dump();
  EXPECT_GT(none.value("false_positive", 0.0), 1e-6);

  // A mark that names no record, a --data that serves nothing, --watermark-all without a key.
  for (const std::string bad : {"--watermark-key studio.key", "--data data", "--watermark-all"}) {
    auto refused = run("apply " + mega_ + " refused.mkv exposure stops=0.2 --frames 0-3 " + bad);
    EXPECT_NE(refused.code, 0) << bad;
    EXPECT_FALSE(refused.err.empty()) << bad;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("refused.mkv"))) << bad;
  }
}

TEST_F(WatermarkCli, BadInputIsNamedAndWritesNothing) {
  ASSERT_EQ(run("watermark keygen --out studio.key").code, 0);
  auto no_key = run("watermark embed " + mega_ + " out.mkv --payload 1 --key missing.key");
  EXPECT_NE(no_key.code, 0);
  EXPECT_NE(no_key.err.find("missing.key"), std::string::npos) << no_key.err;
  auto bad_payload =
      run("watermark embed " + mega_ + " out.mkv --payload 12345678901 --key studio.key");
  EXPECT_NE(bad_payload.code, 0);
  EXPECT_NE(bad_payload.err.find("--payload"), std::string::npos) << bad_payload.err;
  auto not_hex = run("watermark embed " + mega_ + " out.mkv --payload xyz --key studio.key");
  EXPECT_NE(not_hex.code, 0);
  auto no_file = run("watermark detect nothing.mp4 --key studio.key");
  EXPECT_NE(no_file.code, 0);
  EXPECT_NE(no_file.err.find("nothing.mp4"), std::string::npos) << no_file.err;
  auto bad_turn = run("watermark detect " + mega_ + " --key studio.key --rotation 90");
  EXPECT_NE(bad_turn.code, 0);
  EXPECT_NE(bad_turn.err.find("--rotation"), std::string::npos) << bad_turn.err;
  for (const std::string bad : {"xyz", "12345678901", "1f:0", "1f:", "1f:many"}) {
    auto bad_record = run("watermark detect " + mega_ + " --key studio.key --record " + bad);
    EXPECT_NE(bad_record.code, 0) << bad;
    EXPECT_NE(bad_record.err.find("--record"), std::string::npos) << bad_record.err;
  }
  auto no_log = run("watermark detect " + mega_ + " --key studio.key --data nowhere");
  EXPECT_NE(no_log.code, 0);
  EXPECT_NE(no_log.err.find("nowhere"), std::string::npos) << no_log.err;
  write("garbage.mp4", "not a video at all");
  EXPECT_NE(run("watermark detect garbage.mp4 --key studio.key").code, 0);
  expect_only({"studio.key", "garbage.mp4"});
}

}  // namespace
}  // namespace fl::test
