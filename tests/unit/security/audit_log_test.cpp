// The audit log: every kind of tampering is caught and named, and a crash in the middle of an
// append leaves a log that verifies, missing at most the record that was never acknowledged.
#include "security/audit_log.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json_text.h"
#include "security/token_store.h"
#include "test_support.h"

namespace fl::security {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Audit : public ::testing::Test {
 protected:
  AuditOptions options(int64_t every = 5) const {
    AuditOptions o;
    o.dir = (data_.path() / "audit").string();
    o.key_path = (data_.path() / "keys" / "audit-ed25519.key").string();
    o.checkpoint_every_records = every;
    return o;
  }
  void write(int n, int64_t every = 5) {
    auto log = AuditLog::open(options(every));
    ASSERT_TRUE(log.ok()) << log.status().message();
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(
          (*log)
              ->append(
                  {{"type", "request"}, {"n", i}, {"principal", {{"id", i % 2 ? "alice" : "bob"}}}})
              .ok());
  }
  fs::path file() const { return data_.path() / "audit" / "audit-000001.jsonl"; }
  std::vector<std::string> lines() const {
    std::ifstream in(file());
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void put(const std::vector<std::string>& ls) const {
    std::ofstream out(file(), std::ios::trunc);
    for (const auto& l : ls) out << l << "\n";
  }
  AuditVerifyReport verify(const std::string& pem = {}) const {
    auto r = verify_audit_log((data_.path() / "audit").string(), pem.empty() ? public_pem() : pem);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : AuditVerifyReport{};
  }
  std::string public_pem() const {
    std::ifstream in(data_.path() / "keys" / "audit-ed25519.pub");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // What someone without the key can do: change records and hash the whole chain again.
  static std::vector<std::string> rehash(const std::vector<std::string>& ls,
                                         const std::function<bool(json&)>& change) {
    std::vector<std::string> out;
    std::string prev(64, '0');
    int64_t seq = 0;
    for (const auto& l : ls) {
      json rec = json::parse("{" + l.substr(l.find(',') + 1));
      if (!change(rec)) continue;
      rec["seq"] = ++seq;
      rec["prev"] = prev;
      const std::string body = json_text(rec);
      prev = sha256_hex(body);
      out.push_back("{\"hash\":\"" + prev + "\"," + body.substr(1));
    }
    return out;
  }
  test::TempDir data_;
};

TEST_F(Audit, AnIntactLogVerifiesWithCheckpointsSigned) {
  write(12);
  const auto r = verify();
  EXPECT_TRUE(r.ok) << r.first_bad;
  // 12 records, a checkpoint after every 5, and one on close over the last 2.
  EXPECT_EQ(r.records, 15);
  EXPECT_EQ(r.checkpoints, 3);
  EXPECT_EQ(r.signed_through, 14);
  EXPECT_EQ(r.head.seq, 15);
}

TEST_F(Audit, EveryEditDeletionInsertionAndReorderingIsNamed) {
  write(8);
  const auto orig = lines();
  struct Case {
    const char* what;
    std::vector<std::string> ls;
    const char* says;
  };
  std::vector<std::string> edited = orig, deleted = orig, inserted = orig, swapped = orig;
  edited[3].replace(edited[3].find("\"n\":3"), 5, "\"n\":9");
  deleted.erase(deleted.begin() + 2);
  inserted.insert(inserted.begin() + 4, orig[1]);
  std::swap(swapped[1], swapped[2]);
  const Case cases[] = {
      {"edited", edited, "record 4 (audit-000001.jsonl line 4): its hash does not match"},
      {"deleted", deleted, "record 3 (audit-000001.jsonl line 3): its sequence number is 4"},
      {"inserted", inserted, "record 5 (audit-000001.jsonl line 5): its sequence number is 2"},
      {"reordered", swapped, "record 2 (audit-000001.jsonl line 2): its sequence number is 3"},
  };
  for (const auto& c : cases) {
    put(c.ls);
    const auto r = verify();
    EXPECT_FALSE(r.ok) << c.what;
    EXPECT_NE(r.first_bad.find(c.says), std::string::npos) << c.what << ": " << r.first_bad;
  }
  put(orig);
  EXPECT_TRUE(verify().ok);
}

TEST_F(Audit, ARewrittenChainFailsAtItsCheckpoints) {
  write(8);
  const auto orig = lines();
  // Every hash recomputed after an edit: the chain links, but the checkpoint signed the old head.
  put(rehash(orig, [](json& rec) {
    if (rec["event"].value("n", -1) == 1) rec["event"]["principal"]["id"] = "nobody";
    return true;
  }));
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.first_bad.find("record 6"), std::string::npos) << r.first_bad;
  EXPECT_NE(r.first_bad.find("checkpoint that signs another head"), std::string::npos)
      << r.first_bad;
  // Checkpoints dropped altogether: a long run with no signature is caught.
  std::vector<std::string> many;
  for (int i = 0; i < 1100; ++i) many.push_back(orig[0]);
  put(rehash(many, [](json&) { return true; }));
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.first_bad.find("with no signed checkpoint"), std::string::npos) << r.first_bad;
  // A forged signature.
  put(rehash(orig, [](json& rec) {
    if (rec["event"].value("type", "") == "checkpoint") rec["event"]["signature"] = "AAAA";
    return true;
  }));
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.first_bad.find("signature does not verify"), std::string::npos) << r.first_bad;
}

TEST_F(Audit, AnotherKeyIsRefused) {
  write(6);
  EVP_PKEY* other = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, other);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string pem(data, size_t(n));
  BIO_free(bio);
  EVP_PKEY_free(other);
  const auto r = verify(pem);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.first_bad.find("signed with another key"), std::string::npos) << r.first_bad;
}

TEST_F(Audit, FilesRotateAndTheChainRunsAcrossThem) {
  auto o = options(50);
  o.max_file_bytes = 1024;
  {
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*log)->append({{"type", "request"}, {"n", i}}).ok());
  }
  EXPECT_TRUE(fs::exists(data_.path() / "audit" / "audit-000003.jsonl"));
  EXPECT_TRUE(verify().ok);
  // Reopened, the log goes on from its head.
  auto log = AuditLog::open(o);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->head().seq, 41);
  ASSERT_TRUE((*log)->append({{"type", "request"}}).ok());
  log->reset();
  const auto r = verify();
  EXPECT_TRUE(r.ok) << r.first_bad;
  EXPECT_EQ(r.head.seq, 43);
}

TEST_F(Audit, TwoWritersOnOneLogKeepOneChain) {
  // The server and a `framelock token create` beside it, say.
  auto a = AuditLog::open(options(4));
  auto b = AuditLog::open(options(4));
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*a)->append({{"type", "request"}, {"by", "a"}}).ok());
    ASSERT_TRUE((*b)->append({{"type", "token"}, {"by", "b"}}).ok());
  }
  a->reset();
  b->reset();
  const auto r = verify();
  EXPECT_TRUE(r.ok) << r.first_bad;
  EXPECT_GE(r.records, 20);
}

TEST_F(Audit, ReadsFilterAndPage) {
  write(9, 100);
  AuditFilter f;
  f.principal = "alice";
  bool more = false;
  auto a = read_audit_log((data_.path() / "audit").string(), f, &more);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 4u);  // n = 1, 3, 5, 7
  EXPECT_FALSE(more);
  f = {};
  f.type = "request";
  f.limit = 4;
  auto page1 = read_audit_log((data_.path() / "audit").string(), f, &more);
  ASSERT_TRUE(page1.ok());
  EXPECT_TRUE(more);
  f.after_seq = page1->back()["seq"].get<int64_t>();
  auto page2 = read_audit_log((data_.path() / "audit").string(), f, &more);
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(page2->front()["event"]["n"], 4);
  EXPECT_EQ(page2->front()["hash"].get<std::string>().size(), 64u);
  f = {};
  f.since = parse_audit_time("2100-01-01T00:00:00.000Z");
  EXPECT_TRUE(read_audit_log((data_.path() / "audit").string(), f)->empty());
}

// kill -9 while a child appends as fast as it can: whatever it acknowledged is there, the log
// verifies once reopened, and the torn record (if any) is cut off and said so.
TEST_F(Audit, AKillInTheMiddleOfAppendingLosesNothingAcknowledged) {
  for (int round = 0; round < 3; ++round) {
    int ack[2];
    ASSERT_EQ(::pipe(ack), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(ack[0]);
      auto log = AuditLog::open(options(20));
      if (!log.ok()) ::_exit(2);
      for (int i = 0;; ++i) {
        std::string pad(size_t(i % 7) * 300, 'x');  // records of many sizes, torn anywhere
        auto h = (*log)->append({{"type", "request"}, {"n", i}, {"pad", pad}});
        if (!h.ok()) ::_exit(3);
        const int64_t seq = h->seq;
        if (::write(ack[1], &seq, sizeof seq) != sizeof seq) ::_exit(4);
      }
    }
    ::close(ack[1]);
    int64_t acknowledged = 0, seq = 0;
    for (int reads = 0; reads < 150 + round * 97 && ::read(ack[0], &seq, sizeof seq) == sizeof seq;
         ++reads)
      acknowledged = seq;
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    while (::read(ack[0], &seq, sizeof seq) == sizeof seq) acknowledged = seq;
    ::close(ack[0]);
    auto log = AuditLog::open(options(20));
    ASSERT_TRUE(log.ok()) << log.status().message();
    EXPECT_GE((*log)->head().seq, acknowledged) << "round " << round;
    log->reset();
    const auto r = verify();
    EXPECT_TRUE(r.ok) << r.first_bad;
  }
}

}  // namespace
}  // namespace fl::security
