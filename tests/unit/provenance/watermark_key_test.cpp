// The studio's watermark key: made at random, written once with mode 0600, read back only from
// a file no one else may read, and never printed: its fingerprint names it.
#include "provenance/watermark_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_support.h"

namespace fl::provenance {
namespace {

WatermarkKey counting_key() {
  WatermarkKey k;
  for (size_t i = 0; i < k.secret.size(); ++i) k.secret[i] = uint8_t(i);
  return k;
}

TEST(WatermarkKey, DerivesOneKeyPerPurposeWithHmacSha256) {
  const WatermarkKey k = counting_key();
  // HMAC-SHA256(00 01 .. 1f, "framelock watermark pn"), computed with Python's hmac.
  const auto pn = k.derive("pn");
  EXPECT_EQ(pn[0], 0xe0);
  EXPECT_EQ(pn[1], 0xac);
  EXPECT_EQ(pn[31], 0x8c);
  EXPECT_NE(k.derive("pn"), k.derive("payload"));
  EXPECT_EQ(k.fingerprint(), "9b35ae12a6c59691");
}

TEST(WatermarkKey, MadeAtRandomAndReadBackFromItsText) {
  auto a = generate_watermark_key();
  auto b = generate_watermark_key();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->secret, b->secret);
  auto back = parse_watermark_key(watermark_key_text(*a), "k");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->secret, a->secret);
  EXPECT_EQ(back->fingerprint().size(), 16u);
  EXPECT_EQ(watermark_key_text(*a).find(back->fingerprint()), std::string::npos);

  for (const auto& [text, says] : std::vector<std::pair<std::string, std::string>>{
           {"hello", "not a framelock watermark key"},
           {"framelock-watermark-key 1 abcd\n", "64 hex digits"},
           {"framelock-watermark-key 1 " + std::string(64, 'g'), "no hex digit"}}) {
    auto bad = parse_watermark_key(text, "studio.key");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find(says), std::string::npos) << bad.status().message();
    EXPECT_NE(bad.status().message().find("studio.key"), std::string::npos);
  }
}

TEST(WatermarkKey, TheFileIsTheOwnersAloneAndNeverOverwritten) {
  test::TempDir dir;
  const std::string path = dir.file("studio.key");
  auto key = generate_watermark_key();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(write_watermark_key(*key, path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = read_watermark_key(path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(read->secret, key->secret);

  auto other = generate_watermark_key();
  Status again = write_watermark_key(*other, path);
  EXPECT_EQ(again.code(), ErrorCode::kConflict) << again.to_string();
  EXPECT_EQ(read_watermark_key(path)->secret, key->secret);

  ::chmod(path.c_str(), 0644);
  auto open = read_watermark_key(path);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find("0644"), std::string::npos) << open.status().message();
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  EXPECT_EQ(read_watermark_key(dir.file("nope.key")).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace fl::provenance
