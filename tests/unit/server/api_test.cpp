// The REST API's behaviour: jobs end to end, previews, sessions, and every kind of bad input
// answered with the right status, a JSON error naming the field, and nothing left behind.
#include <filesystem>
#include <fstream>
#include <set>

#include "server_fixture.h"
#include "service/json_views.h"
#include "store/database.h"

namespace fl::test {
namespace {

namespace fs = std::filesystem;

std::string framemd5(const std::string& path) {
  std::string out = path + ".framemd5";
  if (ffmpeg("-i '" + path + "' -map 0:v -f framemd5 '" + out + "'") != 0) return {};
  std::ifstream f(out);
  std::string text, line;
  while (std::getline(f, line))
    if (!line.empty() && line[0] != '#') text += line + "\n";
  return text;
}

TEST_F(ServerFixture, JobRendersTheSameFramesAsTheCommandLine) {
  Reply r =
      call("POST", "/v1/jobs", artist_,
           nlohmann::json{
               {"graph", exposure_graph(0.7)},
               {"output", {{"node", "grade"}, {"name", "graded.mov"}, {"frames", {10, 29}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["state"], "queued");
  auto job = wait_for_job(r.json["id"], "succeeded");
  EXPECT_EQ(job["frames_done"], 20);
  Reply out = call("GET", "/v1/jobs/" + r.json["id"].get<std::string>() + "/output", viewer_);
  ASSERT_EQ(out.status, 200);
  TempDir tmp;
  { std::ofstream(tmp.file("job.mov"), std::ios::binary) << out.body; }
  ASSERT_EQ(run(test::framelock_bin() + " apply " + opencv_data("Megamind.avi") + " " +
                tmp.file("cli.mov") + " exposure stops=0.7 --frames 10-29 --json > " +
                tmp.file("cli.json")),
            0);
  std::string a = framemd5(tmp.file("job.mov")), b = framemd5(tmp.file("cli.mov"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b) << "the job's frames differ from framelock apply's";
  // Not only the frames: the same file, byte for byte (segments joined vs one pass), as both
  // outputs' ledgers say by content id. The ledger keeps the render's identity before its
  // Content Credentials, which differ: each names its own graph and signer.
  std::string cli_id;
  std::ifstream events(tmp.file("cli.json"));
  for (std::string line; std::getline(events, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", "") == "done") cli_id = e.value("xxh128", "");
  }
  EXPECT_EQ(cli_id.size(), 32u);
  EXPECT_EQ(job["output"]["xxh128"], cli_id);
  // What was delivered is that render and the C2PA box after ftyp (docs/provenance.md).
  auto be32 = [&](size_t at) {
    return int64_t(uint8_t(out.body[at])) << 24 | int64_t(uint8_t(out.body[at + 1])) << 16 |
           int64_t(uint8_t(out.body[at + 2])) << 8 | int64_t(uint8_t(out.body[at + 3]));
  };
  const int64_t ftyp = be32(0);
  ASSERT_EQ(out.body.substr(size_t(ftyp) + 4, 4), "uuid");
  EXPECT_EQ(job["output"]["bytes"].get<int64_t>() + be32(size_t(ftyp)), int64_t(out.body.size()));
  // A finished job keeps no segment records (they only serve a resume).
  auto db = store::Database::open(data_.file("data") + "/framelock.db");
  ASSERT_TRUE(db.ok()) << db.status().to_string();
  auto left =
      (*db)->query("SELECT idx FROM job_segments WHERE job = ?", {r.json["id"].get<std::string>()});
  ASSERT_TRUE(left.ok()) << left.status().to_string();
  EXPECT_TRUE(left->empty()) << left->size() << " segment rows left";
  // The sound comes along, cut to the same frames.
  EXPECT_EQ(run("ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 '" +
                tmp.file("job.mov") + "' | grep -q ac3"),
            0);
}

TEST_F(ServerFixture, PreviewStreamsCoarseToFine) {
  Reply r = call("POST", "/v1/previews", artist_,
                 nlohmann::json{{"graph", exposure_graph()}, {"frame", 120}, {"format", "png"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  std::vector<nlohmann::json> levels;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) levels.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0]["width"], 90);
  EXPECT_EQ(levels[2]["width"], 720);
  EXPECT_TRUE(levels[2]["final"].get<bool>());
  EXPECT_EQ(levels[0]["image"].get<std::string>().rfind("data:image/png;base64,", 0), 0u);
  EXPECT_LE(levels[0]["seconds"].get<double>(), levels[2]["seconds"].get<double>());
}

TEST_F(ServerFixture, SessionStateIsSharedAndVersioned) {
  Reply s = call("POST", "/v1/sessions", artist_);
  ASSERT_EQ(s.status, 201);
  std::string id = s.json["id"];
  Reply put = call("PUT", "/v1/sessions/" + id + "/state", artist_,
                   nlohmann::json{{"state", {{"frame", 12}}}, {"version", 0}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["version"], 1);
  // Someone still at version 0 does not overwrite the newer state.
  Reply stale = call("PUT", "/v1/sessions/" + id + "/state", admin_,
                     nlohmann::json{{"state", {{"frame", 99}}}, {"version", 0}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.json["error"]["field"], "version");
  // Nor does a change that names no version at all.
  Reply blind = call("PUT", "/v1/sessions/" + id + "/state", admin_,
                     nlohmann::json{{"state", {{"frame", 98}}}});
  EXPECT_EQ(blind.status, 428);
  EXPECT_EQ(blind.json["error"]["field"], "version");
  Reply watch = call("GET", "/v1/sessions/" + id, viewer_);
  EXPECT_EQ(watch.json["state"]["frame"], 12);
  EXPECT_EQ(watch.json["updated_by"], "artist");
}

struct BadCase {
  std::string name, method, path, body;
  int status;
  std::string field;  // expected error field ("" = don't care)
};

TEST_F(ServerFixture, BadInputGetsTheRightStatusAndAJsonError) {
  fs::create_symlink("/etc/passwd", media_root_.file("escape.avi"));
  auto graph_with = [&](nlohmann::json node) {
    nlohmann::json g = exposure_graph();
    g["nodes"]["grade"] = node;
    return nlohmann::json{{"graph", g}, {"output", {{"node", "grade"}, {"name", "x.mov"}}}}.dump();
  };
  const std::string data = opencv_data("");
  std::vector<BadCase> cases = {
      {"malformed JSON", "POST", "/v1/jobs", "{\"graph\": ", 400, ""},
      {"not an object", "POST", "/v1/jobs", "[1,2]", 422, ""},
      {"deep nesting", "POST", "/v1/jobs", std::string(5000, '[') + std::string(5000, ']'), 400,
       ""},
      {"no graph", "POST", "/v1/jobs", "{}", 422, "graph"},
      {"unknown op", "POST", "/v1/jobs",
       graph_with({{"op", "sharpen_everything"}, {"inputs", {"clip"}}}), 422, "nodes.grade.op"},
      {"bad param", "POST", "/v1/jobs",
       graph_with({{"op", "exposure"}, {"inputs", {"clip"}}, {"params", {{"stops", "lots"}}}}), 422,
       "nodes.grade.params.stops"},
      {"out of range param", "POST", "/v1/jobs",
       graph_with({{"op", "saturation"}, {"inputs", {"clip"}}, {"params", {{"saturation", 1e9}}}}),
       422, "nodes.grade.params.saturation"},
      {"LUT outside the roots", "POST", "/v1/jobs",
       graph_with({{"op", "lut3d"}, {"inputs", {"clip"}}, {"params", {{"file", "/etc/passwd"}}}}),
       403, "nodes.grade.params.file"},
      // Within the parameters' ranges, over what one job may ask of the machine: refused
      // before a pixel is made (it took a server from 0.8 to 10 GB).
      {"huge frame", "POST", "/v1/jobs",
       graph_with({{"op", "resize"},
                   {"inputs", {"clip"}},
                   {"params", {{"width", 16000}, {"height", 16000}}}}),
       422, "nodes.grade"},
      {"huge preview frame", "POST", "/v1/previews",
       nlohmann::json{{"graph", nlohmann::json::parse(graph_with(
                                    {{"op", "resize"},
                                     {"inputs", {"clip"}},
                                     {"params", {{"width", 16000}, {"height", 16000}}}}))["graph"]},
                      {"node", "grade"}}
           .dump(),
       422, "nodes.grade"},
      {"bad output name", "POST", "/v1/jobs",
       nlohmann::json{{"graph", exposure_graph()},
                      {"output", {{"node", "grade"}, {"name", "../../x.mov"}}}}
           .dump(),
       422, "output.name"},
      {"frames out of range", "POST", "/v1/jobs",
       nlohmann::json{{"graph", exposure_graph()},
                      {"output", {{"node", "grade"}, {"frames", {0, 100000}}}}}
           .dump(),
       422, ""},
      {"unknown media id", "POST", "/v1/jobs",
       nlohmann::json{{"graph", {{"sources", {{"clip", {{"media", "m_nope"}}}}}}},
                      {"output", {{"node", "clip"}}}}
           .dump(),
       422, "sources.clip.media"},
      {"source outside the roots", "POST", "/v1/previews",
       nlohmann::json{{"graph", {{"sources", {{"clip", {{"path", "/etc/hostname"}}}}}}}}.dump(),
       403, "sources.clip.path"},
      {"traversal out of a root", "POST", "/v1/media",
       nlohmann::json{{"path", data + "/../../../../etc/passwd"}}.dump(), 403, ""},
      {"symlink out of a root", "POST", "/v1/media",
       nlohmann::json{{"path", media_root_.file("escape.avi")}}.dump(), 403, ""},
      {"missing file in a root", "POST", "/v1/media",
       nlohmann::json{{"path", data + "/no_such_clip.mov"}}.dump(), 422, "path"},
      {"relative path", "POST", "/v1/media", nlohmann::json{{"path", "Megamind.avi"}}.dump(), 422,
       "path"},
      {"not media", "POST", "/v1/media", nlohmann::json{{"path", data + "/alphabet_36.txt"}}.dump(),
       422, ""},
      {"preview frame out of range", "POST", "/v1/previews",
       nlohmann::json{{"graph", exposure_graph()}, {"frame", 5000}}.dump(), 422, "frame"},
      {"preview seq zero", "POST", "/v1/previews",
       nlohmann::json{{"graph", exposure_graph()}, {"seq", 0}}.dump(), 422, "seq"},
      {"preview seq negative", "POST", "/v1/previews",
       nlohmann::json{{"graph", exposure_graph()}, {"seq", -3}}.dump(), 422, "seq"},
      {"preview client not a string", "POST", "/v1/previews",
       nlohmann::json{{"graph", exposure_graph()}, {"client", 7}}.dump(), 422, "client"},
      {"bad preview scale", "POST", "/v1/previews",
       nlohmann::json{{"graph", exposure_graph()}, {"scales", {0.3}}}.dump(), 422, "scales"},
      {"media frame out of range", "GET", "/v1/media/" + megamind_id_ + "/frames/99999", "", 422,
       "frame"},
      {"media frame not a number", "GET", "/v1/media/" + megamind_id_ + "/frames/abc", "", 422,
       "frame"},
      {"bad frame scale", "GET", "/v1/media/" + megamind_id_ + "/frames/1?scale=3", "", 422,
       "scale"},
      {"unknown media", "GET", "/v1/media/m_0000", "", 404, ""},
      {"unknown job", "GET", "/v1/jobs/j_0000", "", 404, ""},
      {"unknown job events", "GET", "/v1/jobs/j_0000/events", "", 404, ""},
      {"cancel unknown job", "DELETE", "/v1/jobs/j_0000", "", 404, ""},
      {"unknown session", "GET", "/v1/sessions/s_0000", "", 404, ""},
      {"unknown endpoint", "GET", "/v1/nothing-here", "", 404, ""},
      {"oversized body", "POST", "/v1/jobs", std::string(2 << 20, ' '), 413, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Reply r = call(c.method, c.path, admin_, c.body);
    EXPECT_EQ(r.status, c.status) << r.body.substr(0, 400);
    ASSERT_TRUE(r.json.is_object() && r.json.contains("error")) << r.body.substr(0, 400);
    EXPECT_FALSE(r.json["error"]["message"].get<std::string>().empty());
    if (!c.field.empty()) {
      EXPECT_EQ(r.json["error"]["field"], c.field) << r.body.substr(0, 400);
    }
  }
  // Nothing was queued or written by any of them.
  EXPECT_EQ(call("GET", "/v1/jobs", admin_).json["jobs"].size(), 0u);
  EXPECT_FALSE(fs::exists(data_.file("data/jobs")) && !fs::is_empty(data_.file("data/jobs")));
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

// A graph with an analysis pass: its node reports its own progress before frames render.
TEST_F(ServerFixture, EventsReportProgressPerNodeIncludingAnalysis) {
  nlohmann::json graph = {
      {"sources", {{"clip", {{"media", megamind_id_}}}}},
      {"nodes",
       {{"lock",
         {{"op", "scene_lock"},
          {"inputs", {"clip"}},
          {"params", {{"reference", "frame:20"}, {"shots", "none"}}}}},
        {"trim", {{"op", "exposure"}, {"inputs", {"lock"}}, {"params", {{"stops", 0.2}}}}}}}};
  Reply job = call(
      "POST", "/v1/jobs", artist_,
      nlohmann::json{{"graph", graph},
                     {"output", {{"node", "trim"}, {"name", "lock.mov"}, {"frames", {0, 23}}}}});
  ASSERT_EQ(job.status, 201) << job.body;
  const std::string id = job.json["id"];
  std::set<std::string> phases;
  std::string last_state;
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(120, 0);
  std::string buf;
  cli.Get(("/v1/jobs/" + id + "/events").c_str(),
          httplib::Headers{{"Authorization", "Bearer " + viewer_}}, [&](const char* d, size_t n) {
            buf.append(d, n);
            size_t at;
            while ((at = buf.find("\n\n")) != std::string::npos) {
              std::string ev = buf.substr(0, at);
              buf.erase(0, at + 2);
              auto data = ev.find("data: ");
              if (data == std::string::npos) continue;
              auto j = nlohmann::json::parse(ev.substr(data + 6), nullptr, false);
              if (ev.rfind("event: progress", 0) == 0)
                phases.insert(j.value("node", "") + ":" + j.value("phase", ""));
              if (ev.rfind("event: state", 0) == 0) last_state = j.value("state", "");
            }
            return true;
          });
  EXPECT_EQ(last_state, "succeeded");
  EXPECT_TRUE(phases.count("lock:analysis")) << "no analysis progress for the scene_lock node";
  EXPECT_TRUE(phases.count("trim:render")) << "no render progress for the output node";
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

// Inter codecs render in 48-frame segments, each opening on a keyframe; the join keeps every
// frame once and in order.
TEST_F(ServerFixture, H264JobsJoinTheirSegmentsIntoOneClip) {
  Reply r = call(
      "POST", "/v1/jobs", artist_,
      nlohmann::json{{"graph", exposure_graph(0.3)},
                     {"output", {{"node", "grade"}, {"name", "web.mp4"}, {"frames", {0, 99}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["segment_frames"], 48);
  auto job = wait_for_job(r.json["id"], "succeeded");
  Reply out = call("GET", "/v1/jobs/" + r.json["id"].get<std::string>() + "/output", viewer_);
  ASSERT_EQ(out.status, 200);
  TempDir tmp;
  { std::ofstream(tmp.file("web.mp4"), std::ios::binary) << out.body; }
  EXPECT_EQ(run("test \"$(ffprobe -v error -count_frames -select_streams v -show_entries "
                "stream=nb_read_frames -of csv=p=0 '" +
                tmp.file("web.mp4") + "')\" = 100"),
            0);
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

TEST_F(ServerFixture, AJobKeepsWhatItsCompileWarnedAbout) {
  // A mask at half the clip's size is resampled, with a warning the job carries (and keeps).
  ASSERT_EQ(ffmpeg("-f lavfi -i color=black:size=360x264 -vf \"drawbox=x=100:y=80:w=40:h=30:"
                   "color=white:t=fill\" -frames:v 1 " +
                   media_root_.file("half_mask.png")),
            0);
  nlohmann::json graph = {
      {"sources",
       {{"clip", {{"media", megamind_id_}}}, {"hole", media_root_.file("half_mask.png")}}},
      {"nodes", {{"clean", {{"op", "fill"}, {"inputs", {"clip", "hole"}}}}}}};
  Reply r = call(
      "POST", "/v1/jobs", artist_,
      nlohmann::json{{"graph", graph},
                     {"output", {{"node", "clean"}, {"name", "clean.mov"}, {"frames", {2, 3}}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(r.json["warnings"].is_array()) << r.body;
  ASSERT_EQ(r.json["warnings"].size(), 1u);
  EXPECT_NE(r.json["warnings"][0].get<std::string>().find("node clean"), std::string::npos);
  EXPECT_NE(r.json["warnings"][0].get<std::string>().find("resampled"), std::string::npos);
  Reply again = call("GET", "/v1/jobs/" + r.json["id"].get<std::string>(), viewer_);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json["warnings"], r.json["warnings"]);
  // A job with nothing to say has no warnings at all.
  Reply plain =
      call("POST", "/v1/jobs", artist_,
           nlohmann::json{{"graph", exposure_graph(0.2)},
                          {"output", {{"node", "grade"}, {"name", "g.mov"}, {"frames", {0, 1}}}}});
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_FALSE(plain.json.contains("warnings"));
}

}  // namespace
}  // namespace fl::test

namespace fl::test {
namespace {

TEST_F(ServerFixture, RootsRefuseTheSystemAndTheServersOwnDataAndCanBeRemoved) {
  for (const std::string bad : {"/", "/proc", "/proc/self", "/sys", "/dev", "/dev/shm"}) {
    Reply r = call("POST", "/v1/roots", admin_, nlohmann::json{{"path", bad}});
    EXPECT_EQ(r.status, 403) << bad << ": " << r.body;
  }
  // The data directory (tokens, jobs) and any directory around it.
  const std::string data_dir = service_->data_dir();
  for (const std::string& own : {data_dir, data_dir + "/jobs", data_.path().string()}) {
    std::filesystem::create_directories(own);
    Reply r = call("POST", "/v1/roots", admin_, nlohmann::json{{"path", own}});
    EXPECT_EQ(r.status, 403) << own << ": " << r.body;
  }
  // Removal: the clip registered under the root goes with it.
  const std::string root = media_root_.path().string();
  std::filesystem::copy_file(opencv_data("vtest.avi"), media_root_.file("clip.avi"));
  Reply reg =
      call("POST", "/v1/media", artist_, nlohmann::json{{"path", media_root_.file("clip.avi")}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  const std::string id = reg.json["id"];
  EXPECT_EQ(call("DELETE", "/v1/roots?path=" + root, artist_).status, 403);
  Reply removed = call("DELETE", "/v1/roots?path=" + root, admin_);
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(call("GET", "/v1/media/" + id, viewer_).status, 404);
  EXPECT_EQ(call("GET", "/v1/media", viewer_).body.find(id), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/roots?path=" + root, admin_).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/roots", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/media/" + megamind_id_, viewer_).status, 200);  // other roots stay
}

TEST(ServerPaths, MessagesKeepOnlyTheFileName) {
  EXPECT_EQ(service::without_server_paths("cannot open '/srv/shows/a/plate.0001.exr': denied"),
            "cannot open 'plate.0001.exr': denied");
  EXPECT_EQ(service::without_server_paths("/data/jobs/j_1/out.mov (No space)"),
            "out.mov (No space)");
  EXPECT_EQ(service::without_server_paths("path=/a/b/c, then \"/x/y/\""), "path=c, then \"y\"");
  EXPECT_EQ(service::without_server_paths("a 1/2 split, HTTP/1.1 and 24/1 fps"),
            "a 1/2 split, HTTP/1.1 and 24/1 fps");
  EXPECT_EQ(service::without_server_paths("root '/' refused"), "root '…' refused");
}

}  // namespace
}  // namespace fl::test
