// A data directory made before projects opens with everything in the default project: its admin
// tokens are studio admins, its viewers and artists work in the default project, its roots,
// media and jobs are the default project's. And the library keeps one file in one project.
#include <sqlite3.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "security/audit_log.h"
#include "security/token_store.h"
#include "service/service.h"
#include "test_support.h"

namespace fl::test {
namespace {

namespace fs = std::filesystem;

void run_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(ProjectsUpgrade, ADatabaseFromBeforeProjectsLandsInTheDefaultProject) {
  TempDir dir;
  const std::string data = dir.file("data");
  fs::create_directories(data);
  // The schema of the tables as the previous version made them, with a row in each.
  run_sql(data + "/framelock.db",
          "CREATE TABLE tokens(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
          "secret_sha256 TEXT NOT NULL, created REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT "
          "0);"
          "INSERT INTO tokens VALUES('aaaaaaaaaaaa', 'old admin', 'admin', 'x', 1, 0);"
          "INSERT INTO tokens VALUES('bbbbbbbbbbbb', 'old artist', 'artist', 'x', 1, 0);"
          "CREATE TABLE media_roots(path TEXT PRIMARY KEY);"
          "INSERT INTO media_roots VALUES('" +
              fs::canonical(opencv_data("")).string() + "');");
  service::ServiceOptions o;
  o.data_dir = data;
  auto svc = service::Service::open(o);
  ASSERT_TRUE(svc.ok()) << svc.status().to_string();
  auto tokens = (*svc)->tokens().list();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  for (const auto& t : *tokens) {
    if (t.name == "old admin") {
      EXPECT_TRUE(t.grant.studio_admin());
    } else {
      EXPECT_EQ(t.grant.to_string(), "artist@default");
    }
  }
  auto roots = (*svc)->media().roots();
  ASSERT_TRUE(roots.ok());
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_EQ(roots->front().project, "default");
  auto m = (*svc)->media().locate(opencv_data("Megamind.avi"), nullptr);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->project, "default");
  EXPECT_TRUE((*svc)->projects().exists("default"));
}

TEST(ProjectsUpgrade, OneFileBelongsToOneProject) {
  TempDir dir, footage;
  service::ServiceOptions o;
  o.data_dir = dir.file("data");
  auto svc = service::Service::open(o);
  ASSERT_TRUE(svc.ok());
  auto& media = (*svc)->media();
  ASSERT_TRUE((*svc)->projects().create("show-a", "A", "t").ok());
  ASSERT_TRUE((*svc)->projects().create("show-b", "B", "t").ok());
  fs::create_directories(footage.path() / "a" / "inner");
  ASSERT_TRUE(media.add_root("show-a", (footage.path() / "a").string()).ok());
  // Inside, around, or the same directory for another project: a conflict.
  for (const fs::path& p : {footage.path() / "a" / "inner", footage.path(), footage.path() / "a"}) {
    auto r = media.add_root("show-b", p.string());
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.status().code(), ErrorCode::kConflict) << p;
  }
  // The same project may add it again, and a sibling is another project's to have.
  EXPECT_TRUE(media.add_root("show-a", (footage.path() / "a").string()).ok());
  fs::create_directories(footage.path() / "b");
  EXPECT_TRUE(media.add_root("show-b", (footage.path() / "b").string()).ok());
  fs::copy_file(opencv_data("Megamind.avi"), footage.path() / "a" / "clip.avi");
  // Another project's file is outside this project's roots; a missing file in one's own is
  // missing; a missing one elsewhere is outside (nothing about other directories leaks).
  auto outside = media.resolve((footage.path() / "a" / "clip.avi").string(), "show-b");
  EXPECT_EQ(outside.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(media.resolve((footage.path() / "b" / "none.avi").string(), "show-b").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(media.resolve((footage.path() / "a" / "none.avi").string(), "show-b").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(media.resolve((footage.path() / "a" / "clip.avi").string(), "show-a").ok());
}

TEST(ProjectsUpgrade, APolicyNamingAnOperatorThatDoesNotExistIsRefused) {
  TempDir dir;
  service::ServiceOptions o;
  o.data_dir = dir.file("data");
  auto p = security::Policy::parse(R"({"operators": [{"ops": ["fil"]}]})", "studio.json");
  ASSERT_TRUE(p.ok());
  o.policy = *p;
  auto svc = service::Service::open(o);
  ASSERT_FALSE(svc.ok());
  EXPECT_NE(svc.status().message().find("/operators/0/ops: no operator 'fil'"), std::string::npos)
      << svc.status().message();
}

TEST(ProjectsUpgrade, ProjectIdsAndGrantsAreChecked) {
  for (const char* bad : {"", "Show-A", "-a", "a b", "a/b", "ä",
                          "a234567890123456789012345678901234567890123456789012345678901234"})
    EXPECT_FALSE(security::valid_project_id(bad)) << bad;
  for (const char* good : {"a", "show-a", "show_b", "2026-film"})
    EXPECT_TRUE(security::valid_project_id(good)) << good;
  EXPECT_TRUE(security::parse_grant("admin")->studio_admin());
  EXPECT_EQ(security::parse_grant("viewer")->to_string(), "viewer@default");
  EXPECT_EQ(security::parse_grant("admin@show-a")->to_string(), "admin@show-a");
  EXPECT_FALSE(security::parse_grant("admin@Show").ok());
  EXPECT_FALSE(security::parse_grant("owner@show-a").ok());
  security::Principal p;
  p.grant(*security::parse_grant("viewer@show-a"));
  p.grant(*security::parse_grant("artist@show-a"));
  p.grant(*security::parse_grant("viewer@show-a"));
  EXPECT_EQ(p.role_in("show-a"), security::Role::kArtist);  // the higher stays
  EXPECT_TRUE(p.may(security::Action::kCreateJob, "show-a"));
  EXPECT_FALSE(p.may(security::Action::kCreateJob, "show-b"));
  EXPECT_FALSE(p.may(security::Action::kManageProjects));
  EXPECT_TRUE(p.may(security::Action::kViewOps));
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

TEST(ProjectsCli, ProjectsAndTokensGrantedInThemAreMadeOnTheCommandLine) {
  TempDir dir;
  const std::string bin = framelock_bin(), data = dir.file("data");
  EXPECT_EQ(run(bin + " project create show-a --name 'Show A' --data " + data + " > /dev/null"), 0);
  EXPECT_EQ(run(bin + " project create 'Show A' --data " + data + " 2> /dev/null"), 2)
      << "a bad id is a bad argument";
  EXPECT_NE(run(bin + " project create show-a --data " + data + " 2> /dev/null"), 0);
  EXPECT_EQ(run(bin + " token create --role artist@show-a --name a --data " + data + " > " +
                dir.file("token.txt") + " 2> /dev/null"),
            0);
  EXPECT_EQ(
      run(bin + " token create --role artist@show-z --name a --data " + data + " > /dev/null 2>&1"),
      0)
      << "a project still to come may be granted in";
  EXPECT_EQ(
      run(bin + " token create --role owner@show-a --name a --data " + data + " 2> /dev/null"), 2);
  service::ServiceOptions o;
  o.data_dir = data;
  auto svc = service::Service::open(o);
  ASSERT_TRUE(svc.ok());
  EXPECT_TRUE((*svc)->projects().exists("show-a"));
  auto token = read_text_file(dir.file("token.txt"), 4096);
  ASSERT_TRUE(token.ok());
  auto who = (*svc)->authenticate(token->substr(0, token->find('\n')));
  ASSERT_TRUE(who.ok()) << who.status().to_string();
  EXPECT_EQ(who->role_in("show-a"), security::Role::kArtist);
  EXPECT_FALSE(who->role_in("default"));
  // The project's creation is in the audit log.
  security::AuditFilter f;
  f.type = "project";
  auto records = security::read_audit_log(data + "/audit", f);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0]["event"].value("project", ""), "show-a");
}

}  // namespace
}  // namespace fl::test
