// framelock watermark keygen: the key file is made once, readable by its owner alone, and only
// its fingerprint is printed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace fl::test
