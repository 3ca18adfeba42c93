// The request and job log: one parseable JSON object per line whatever the bytes, and text
// lines that no client can forge.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "test_support.h"

namespace fl::log {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  spdlog::default_logger()->flush();
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(Log, JsonLinesCarryTheFieldsAndSurviveBytesThatAreNotUtf8) {
  test::TempDir dir;
  const std::string path = dir.file("log.jsonl");
  init(Format::kJson, path);
  event(Level::kInfo, "request",
        {str("method", "GET"), str("path", "/\xff\xfe/x"), num("status", 404), num("ms", 1.5),
         str("principal", "t_abc")});
  spdlog::warn("plain {}", "message");
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  auto a = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(a["event"], "request");
  EXPECT_EQ(a["status"], 404);
  EXPECT_DOUBLE_EQ(a["ms"].get<double>(), 1.5);
  EXPECT_EQ(a["level"], "info");
  EXPECT_EQ(a["path"], "/\xef\xbf\xbd\xef\xbf\xbd/x");  // U+FFFD for each byte
  EXPECT_TRUE(a.contains("ts"));
  auto b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(b["msg"], "plain message");
  EXPECT_EQ(b["level"], "warning");
  init(Format::kText);
}

TEST(Log, TextLinesCannotBeSplitByTheClient) {
  test::TempDir dir;
  const std::string path = dir.file("log.txt");
  init(Format::kText, path);
  event(Level::kInfo, "request",
        {str("path", "/a\r\n2026-01-01 info request path=/forged"), num("status", 200)});
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("request path=\"/a??2026-01-01 info request path=/forged\" status=200"),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(parse_format("xml").status().code(), ErrorCode::kInvalidArgument);
  init(Format::kText);
}

}  // namespace
}  // namespace fl::log
