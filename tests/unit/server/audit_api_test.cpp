// The audit log as the server keeps it: every change, refusal and output on record, readable by
// admins only, and verifiable (and tamper-evident) with `framelock audit verify`.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "security/audit_log.h"
#include "security/token_store.h"
#include "server_fixture.h"

namespace fl::test {
namespace {

using nlohmann::json;

TEST_F(ServerFixture, ChangesRefusalsAndOutputsAreAuditedForAdminsOnly) {
  Reply session = call("POST", "/v1/sessions", artist_);
  ASSERT_EQ(session.status, 201);
  EXPECT_EQ(call("GET", "/v1/media", "flk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .status,
            401);
  EXPECT_EQ(call("POST", "/v1/roots", artist_, json{{"path", "/tmp"}}).status, 403);
  Reply job = call("POST", "/v1/jobs", artist_,
                   json{{"graph", exposure_graph()},
                        {"output", {{"node", "grade"}, {"name", "a.mov"}, {"frames", {0, 2}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  const std::string job_id = job.json["id"];
  wait_for_job(job_id, "succeeded");
  const Reply output = call("GET", "/v1/jobs/" + job_id + "/output", viewer_);
  ASSERT_EQ(output.status, 200);

  EXPECT_EQ(call("GET", "/v1/audit", viewer_).status, 403);
  EXPECT_EQ(call("GET", "/v1/audit", artist_).status, 403);
  Reply all = call("GET", "/v1/audit?limit=1000", admin_);
  ASSERT_EQ(all.status, 200) << all.body;
  const json& recs = all.json["records"];
  auto find = [&](auto pred) -> json {
    for (const auto& r : recs)
      if (pred(r["event"])) return r["event"];
    return nullptr;
  };
  const json made = find([&](const json& e) {
    return e.value("method", "") == "POST" && e.value("path", "") == "/v1/sessions";
  });
  ASSERT_FALSE(made.is_null()) << all.body.substr(0, 2000);
  EXPECT_EQ(made["principal"]["name"], "artist");
  EXPECT_EQ(made["status"], 201);
  EXPECT_EQ(made["id"], session.json["id"]);
  EXPECT_FALSE(made["remote"].get<std::string>().empty());
  const json unauth = find([](const json& e) { return e.value("status", 0) == 401; });
  ASSERT_FALSE(unauth.is_null());
  EXPECT_EQ(unauth["outcome"], "refused");
  EXPECT_TRUE(unauth["principal"].is_null());
  EXPECT_NE(unauth.value("reason", "").find("invalid"), std::string::npos) << unauth;
  const json forbidden = find([](const json& e) { return e.value("status", 0) == 403; });
  ASSERT_FALSE(forbidden.is_null());
  EXPECT_EQ(forbidden["principal"]["name"], "artist");
  // The render: who, the plan, the ops, the inputs by content, and the SHA-256 of what was sent.
  const json out = find([](const json& e) { return e.value("type", "") == "output"; });
  ASSERT_FALSE(out.is_null()) << all.body.substr(0, 3000);
  EXPECT_EQ(out["job"], job_id);
  EXPECT_EQ(out["principal"]["name"], "artist");
  EXPECT_EQ(out["plan"].get<std::string>().size(), 64u);
  EXPECT_NE(out["ops"].dump().find("exposure"), std::string::npos) << out;
  ASSERT_FALSE(out["inputs"].empty());
  EXPECT_NE(out["inputs"][0]["path"].get<std::string>().find("Megamind.avi"), std::string::npos);
  EXPECT_EQ(out["output"]["sha256"], security::sha256_hex(output.body));
  // Each credential's first success is a sign-in, recorded once.
  int artist_sign_ins = 0;
  for (const auto& r : recs)
    if (r["event"].value("type", "") == "sign-in" &&
        r["event"]["principal"].value("name", "") == "artist")
      ++artist_sign_ins;
  EXPECT_EQ(artist_sign_ins, 1);
  const json ended = find([](const json& e) { return e.value("type", "") == "job"; });
  ASSERT_FALSE(ended.is_null());
  EXPECT_EQ(ended["state"], "succeeded");
  // Filters and paging.
  Reply outputs = call("GET", "/v1/audit?type=output", admin_);
  EXPECT_EQ(outputs.json["records"].size(), 1u);
  Reply page = call("GET", "/v1/audit?limit=2", admin_);
  ASSERT_EQ(page.json["records"].size(), 2u);
  const int64_t next = page.json["next"];
  Reply page2 = call("GET", "/v1/audit?limit=2&after=" + std::to_string(next), admin_);
  EXPECT_EQ(page2.json["records"][0]["seq"], next + 1);
  EXPECT_EQ(call("GET", "/v1/audit?limit=0", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit?since=yesterday", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit?since=" + std::string(400, '9'), admin_).status, 400);

  // The whole log verifies; `framelock audit verify` says so, and names an edit.
  auto report = security::verify_audit_log(service_->data_dir() + "/audit", "");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->first_bad;
  const std::string data = service_->data_dir();
  service_->stop();
  http_->stop();
  http_.reset();
  service_.reset();  // closes the log with a checkpoint
  EXPECT_EQ(run(framelock_bin() + " audit verify --data " + data + " > /dev/null"), 0);
  const std::string file = data + "/audit/audit-000001.jsonl";
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string edited = text.str();
  const size_t at = edited.find("\"name\":\"artist\"");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 15, "\"name\":\"nobody\"");
  std::ofstream(file, std::ios::trunc) << edited;
  EXPECT_NE(run(framelock_bin() + " audit verify --data " + data + " 2> " + data + "/err.txt"), 0);
  std::stringstream err;
  err << std::ifstream(data + "/err.txt").rdbuf();
  EXPECT_NE(err.str().find("its hash does not match its content"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace fl::test
