// A restarted server renders a scene-lock job without analysing again: the analysis store under
// the data directory holds the lock, and the job's progress says it was loaded.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "service/service.h"
#include "test_support.h"

namespace fl::test {
namespace {

struct Started {
  std::unique_ptr<service::Service> svc;
  security::Principal artist;
};

Started open_service(const std::string& data) {
  service::ServiceOptions o;
  o.data_dir = data;
  o.media_roots = {opencv_data("")};
  auto svc = service::Service::open(o);
  EXPECT_TRUE(svc.ok()) << svc.status().to_string();
  Started s{std::move(*svc), {}};
  auto token = s.svc->tokens().create(security::Role::kArtist, "artist");
  EXPECT_TRUE(token.ok());
  auto who = s.svc->auth().authenticate(token->token);
  EXPECT_TRUE(who.ok());
  s.artist = *who;
  return s;
}

service::JobSpec lock_job(service::Service& svc) {
  nlohmann::json graph = {
      {"sources", {{"clip", {{"path", opencv_data("Megamind.avi")}, {"frames", {0, 30}}}}}},
      {"nodes",
       {{"lock",
         {{"op", "scene_lock"},
          {"inputs", {"clip"}},
          {"params", {{"reference", "frame:12"}, {"shots", "none"}}}}}}}};
  auto spec = service::job_spec_from_json(
      {{"graph", graph}, {"output", {{"node", "lock"}, {"name", "lock.mov"}, {"frames", {0, 9}}}}});
  EXPECT_TRUE(spec.ok()) << spec.status().to_string();
  security::Principal studio;
  studio.studio_admin = true;
  auto resolved = svc.resolve_media(spec->graph, studio, std::nullopt);
  EXPECT_TRUE(resolved.ok());
  spec->graph = resolved->graph;
  return *spec;
}

// The job's events until it ends: every "analysis" origin its progress reported.
std::vector<std::string> run_and_watch(Started& s) {
  auto job = s.svc->jobs().submit(s.artist, lock_job(*s.svc));
  EXPECT_TRUE(job.ok()) << job.status().to_string();
  // Subscribed before the runner starts, so no event is missed.
  auto sub = s.svc->events().subscribe("job:" + job->id);
  EXPECT_TRUE(s.svc->start().ok());
  std::vector<std::string> origins;
  std::string state;
  for (int i = 0; i < 600 && state != "succeeded" && state != "failed"; ++i) {
    auto e = sub->next(std::chrono::milliseconds(200));
    if (!e) continue;
    if (e->type == "progress" && e->data.contains("analysis"))
      origins.push_back(e->data["analysis"]);
    if (e->type == "state") state = e->data.value("state", "");
  }
  EXPECT_EQ(state, "succeeded");
  s.svc->events().unsubscribe("job:" + job->id, sub);
  return origins;
}

TEST(RestartedServer, LoadsTheSceneLockItAnalysedBefore) {
  TempDir data;
  {
    Started first = open_service(data.file("data"));
    EXPECT_EQ(run_and_watch(first), std::vector<std::string>{"computed"});
    first.svc->stop();
  }
  Started second = open_service(data.file("data"));
  EXPECT_EQ(run_and_watch(second), std::vector<std::string>{"loaded"})
      << "the restarted server analysed again";
  second.svc->stop();
}

}  // namespace
}  // namespace fl::test
