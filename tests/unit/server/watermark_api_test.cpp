// The watermark on the server (`framelock serve --watermark-key`): a job with a generative
// operator delivers marked frames, whose payload is the audit record that says who asked for
// which output; a pure grade is left alone. The delivered file is read back blind by the
// command line, which follows the payload into the data directory's audit log.
#include <gtest/gtest.h>

#include <fstream>

#include "provenance/watermark_key.h"
#include "security/token_store.h"
#include "server_fixture.h"
#include "test_support.h"

namespace fl::test {
namespace {

using nlohmann::json;

class WatermarkedJobs : public ServerFixture {
 protected:
  void configure(service::ServiceOptions& o) override {
    auto key = provenance::generate_watermark_key();
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(provenance::write_watermark_key(*key, key_path_).ok());
    o.watermark_key = key_path_;
  }
  json run(const json& body) {
    auto r = call("POST", "/v1/jobs", artist_, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return wait_for_job(r.json["id"], "succeeded");
  }
  // The job's delivered file, read back blind with the key (and the audit trail from the data
  // directory) by `framelock watermark detect --json`.
  json detect(const json& job) {
    auto out = call("GET", "/v1/jobs/" + job["id"].get<std::string>() + "/output", artist_);
    EXPECT_EQ(out.status, 200);
    const std::string file = keys_.file(job["id"].get<std::string>() + ".mov");
    std::ofstream(file, std::ios::binary) << out.body;
    const std::string result = keys_.file("detect.json");
    EXPECT_EQ(test::run(test::framelock_bin() + " watermark detect " + file + " --key " +
                        key_path_ + " --data " + data_.file("data") + " --json > " + result),
              0);
    std::ifstream in(result);
    return json::parse(in, nullptr, false);
  }
  TempDir keys_;
  const std::string key_path_ = keys_.file("studio.key");
};

TEST_F(WatermarkedJobs, AGenerativeJobIsMarkedWithItsAuditRecordAndAGradeIsNot) {
  // Fill (generative) over a second of Megamind.
  const json job = run(fill_job(24, 47));
  ASSERT_TRUE(job.contains("watermark")) << job.dump();
  const int64_t record = job["watermark"]["record"];

  // The record it names says who asked for which output of which plan.
  auto assigned = call("GET", "/v1/audit?type=watermark&limit=100", admin_);
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  ASSERT_EQ(assigned.json["records"].size(), 1u) << assigned.body;
  const json& r = assigned.json["records"][0];
  EXPECT_EQ(r["seq"], record);
  EXPECT_EQ(r["event"]["job"], job["id"]);
  EXPECT_EQ(r["event"]["action"], "assigned");
  EXPECT_FALSE(r["event"]["principal"].value("id", "").empty());

  const json found = detect(job);
  ASSERT_TRUE(found.value("found", false)) << found.dump();
  EXPECT_EQ(found["record"], record);
  EXPECT_EQ(found["audit"]["assigned"]["event"]["job"], job["id"]);
  // ... and the delivered file's own audit record, with its hash, names the mark.
  ASSERT_TRUE(found["audit"].contains("output")) << found.dump();
  EXPECT_EQ(found["audit"]["output"]["event"]["watermark"]["record"], record);
  EXPECT_EQ(found["audit"]["output"]["event"]["job"], job["id"]);

  // A pure grade is not an AI-modified frame: no record, no mark.
  const json grade =
      run({{"graph", exposure_graph(0.2)},
           {"output", {{"node", "grade"}, {"name", "g.mov"}, {"frames", {24, 71}}}}});
  EXPECT_FALSE(grade.contains("watermark")) << grade.dump();
  EXPECT_FALSE(detect(grade).value("found", true));
}

class WatermarkAll : public WatermarkedJobs {
 protected:
  void configure(service::ServiceOptions& o) override {
    WatermarkedJobs::configure(o);
    o.watermark_all = true;
  }
};

TEST_F(WatermarkAll, EveryOutputIsMarkedWhenTheServerSaysSo) {
  const json grade =
      run({{"graph", exposure_graph(0.2)},
           {"output", {{"node", "grade"}, {"name", "g.mov"}, {"frames", {24, 71}}}}});
  ASSERT_TRUE(grade.contains("watermark")) << grade.dump();
  const json found = detect(grade);
  EXPECT_TRUE(found.value("found", false)) << found.dump();
  EXPECT_EQ(found["record"], grade["watermark"]["record"]);
}

TEST(WatermarkConfig, AMissingKeyOrAMarkWithoutOneStopsTheServerAtStart) {
  TempDir data;
  service::ServiceOptions o;
  o.data_dir = data.file("data");
  o.watermark_key = data.file("no-such.key");
  auto missing = service::Service::open(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such.key"), std::string::npos)
      << missing.status().to_string();
  o.watermark_key.clear();
  o.watermark_all = true;
  auto all = service::Service::open(o);
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.status().message().find("--watermark-key"), std::string::npos);
}

// A signer the server cannot use stops it at start, naming the file; without one, the server makes
// its own in the data directory once and keeps it.
TEST(SignerConfig, ABadSignerStopsTheServerAtStartAndNoneMakesTheInstallationsOwn) {
  TempDir data;
  service::ServiceOptions o;
  o.data_dir = data.file("data");
  o.sign_key = data.file("no-such.key");
  o.sign_cert = data.file("chain.pem");
  auto missing = service::Service::open(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such.key"), std::string::npos)
      << missing.status().to_string();
  o.sign_cert.clear();
  auto half = service::Service::open(o);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("--sign-cert"), std::string::npos);
  o.sign_key.clear();
  {
    auto own = service::Service::open(o);
    ASSERT_TRUE(own.ok()) << own.status().to_string();
  }
  const std::string root = data.file("data") + "/c2pa-signer/root.pem";
  ASSERT_TRUE(std::filesystem::exists(root));
  const auto made = std::filesystem::last_write_time(root);
  auto again = service::Service::open(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(std::filesystem::last_write_time(root), made);
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

// Every job's output carries Content Credentials signed by the server's own signer (no studio
// key configured): the fill's generative edit, its source, the mark's record as a soft binding;
// trusted by c2pa-rs under the server's root; the audit record hashes the signed bytes.
TEST_F(WatermarkedJobs, TheOutputCarriesContentCredentialsNamingItsEditAndMark) {
  const json job = run(fill_job(24, 47));
  const std::string id = job["id"];
  auto prov = call("GET", "/v1/jobs/" + id + "/provenance", artist_);
  ASSERT_EQ(prov.status, 200) << prov.body;
  EXPECT_EQ(prov.json["state"], "Trusted") << prov.body;
  const json& assertions = prov.json["assertions"];
  bool generative = false;
  for (const auto& a : assertions["c2pa.actions.v2"]["actions"])
    generative = generative ||
                 (a.value("action", "") == "c2pa.edited" &&
                  a.value("digitalSourceType", "").find("compositeWithTrainedAlgorithmicMedia") !=
                      std::string::npos);
  EXPECT_TRUE(generative) << assertions.dump();
  EXPECT_EQ(assertions["c2pa.ingredient.v3"]["dc:title"], "Megamind.avi");
  ASSERT_TRUE(assertions.contains("c2pa.soft-binding")) << assertions.dump();
  char record_hex[16];
  std::snprintf(record_hex, sizeof record_hex, "%010llx",
                (long long)job["watermark"]["record"].get<int64_t>());
  EXPECT_EQ(assertions["c2pa.soft-binding"]["blocks"][0]["value"], record_hex);

  auto out = call("GET", "/v1/jobs/" + id + "/output", artist_);
  ASSERT_EQ(out.status, 200);
  const std::string file = keys_.file("signed.mov");
  std::ofstream(file, std::ios::binary) << out.body;
  const std::string verdict =
      c2pa_reference_verdict(file, "video/quicktime", data_.file("data") + "/c2pa-signer/root.pem");
  if (!verdict.empty()) {
    const json v = json::parse(verdict);
    EXPECT_EQ(v.value("state", ""), "Trusted") << verdict;
  }
  // The audit record of the delivery hashes the bytes that were delivered, manifest and all.
  auto audit = call("GET", "/v1/audit?type=output&limit=100", admin_);
  ASSERT_EQ(audit.status, 200);
  bool found = false;
  for (const auto& r : audit.json["records"])
    if (r["event"].value("job", "") == id) {
      found = true;
      EXPECT_EQ(r["event"]["output"]["sha256"], security::sha256_hex(out.body));
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(call("GET", "/v1/jobs/nope/provenance", artist_).status, 404);
}

}  // namespace
}  // namespace fl::test
