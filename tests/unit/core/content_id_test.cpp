// Content identities: by the bytes, remembered by stat so a file is read once, provisional (and
// hashed in the background) for big files, and never stale after an edit.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "core/content_id.h"
#include "test_support.h"

namespace fl {
namespace {

void write_bytes(const std::string& path, size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = char(rng());
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(ContentIds, SameBytesSameIdentityWhateverThePath) {
  test::TempDir dir;
  write_bytes(dir.file("a.cube"), 5000, 1);
  std::filesystem::copy_file(dir.file("a.cube"), dir.file("b.cube"));
  write_bytes(dir.file("c.cube"), 5000, 2);
  ContentIds ids;
  auto a = ids.identify(dir.file("a.cube")), b = ids.identify(dir.file("b.cube")),
       c = ids.identify(dir.file("c.cube"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_FALSE(a->provisional);
  EXPECT_EQ(a->key, b->key);
  EXPECT_EQ(a->xxh128, b->xxh128);
  EXPECT_EQ(a->xxh128.size(), 32u);
  EXPECT_NE(a->key, c->key);
  EXPECT_EQ(a->size, 5000);
}

TEST(ContentIds, RememberedByStatAndRehashedAfterAnEdit) {
  test::TempDir dir;
  const std::string path = dir.file("look.cube");
  write_bytes(path, 4096, 3);
  ContentIds ids;
  auto first = ids.identify(path);
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(ids.identify(path)->key, first->key);
  EXPECT_EQ(ids.hashes_done(), 1) << "an unchanged file is not read again";
  // Edited in place, same size: the stat changes, so it is hashed again and its key changes.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  write_bytes(path, 4096, 4);
  auto edited = ids.identify(path);
  ASSERT_TRUE(edited.ok());
  EXPECT_NE(edited->key, first->key);
  EXPECT_EQ(ids.hashes_done(), 2);
  // Touched, same bytes: hashed again (the stat moved) but the identity is the same.
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(3));
  EXPECT_EQ(ids.identify(path)->key, edited->key);
}

TEST(ContentIds, BigFilesAreProvisionalUntilTheBackgroundHashIsDone) {
  test::TempDir dir;
  const std::string path = dir.file("clip.mov");
  write_bytes(path, 3 << 20, 5);
  ContentIds::Options o;
  o.sync_limit = 1 << 20;
  ContentIds ids(o);
  auto quick = ids.identify(path);
  ASSERT_TRUE(quick.ok());
  EXPECT_TRUE(quick->provisional) << "a clip over the limit is not read before answering";
  EXPECT_TRUE(quick->xxh128.empty());
  // The background thread hashes it; the identity then becomes the content's.
  ContentId settled = *quick;
  for (int i = 0; i < 500 && settled.provisional; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    settled = *ids.identify(path);
  }
  ASSERT_FALSE(settled.provisional) << "the background hash never finished";
  auto full = ids.identify_fully(path);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->key, settled.key);
  // The same bytes elsewhere, hashed at once, agree.
  std::filesystem::copy_file(path, dir.file("copy.mov"));
  ContentIds eager;
  EXPECT_EQ(eager.identify(dir.file("copy.mov"))->key, settled.key);
}

TEST(ContentIds, MissingAndUnreadableFilesNameThePath) {
  test::TempDir dir;
  ContentIds ids;
  auto missing = ids.identify(dir.file("nope.cube"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.cube"), std::string::npos);
  EXPECT_EQ(ids.identify(dir.path().string()).status().code(), ErrorCode::kInvalidArgument);
}

TEST(ContentIds, ForgetsTheLeastRecentlyUsedBeyondItsBound) {
  test::TempDir dir;
  ContentIds::Options o;
  o.max_entries = 2;
  ContentIds ids(o);
  for (int i = 0; i < 3; ++i) write_bytes(dir.file(std::to_string(i)), 100, uint32_t(i));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ids.identify(dir.file(std::to_string(i))).ok());
  EXPECT_EQ(ids.hashes_done(), 3);
  ASSERT_TRUE(ids.identify(dir.file("2")).ok());  // remembered
  EXPECT_EQ(ids.hashes_done(), 3);
  ASSERT_TRUE(ids.identify(dir.file("0")).ok());  // forgotten: read again
  EXPECT_EQ(ids.hashes_done(), 4);
}

}  // namespace
}  // namespace fl
