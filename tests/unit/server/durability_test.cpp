// Jobs survive the server: kill -9 mid-render and SIGTERM, for real, on the real binary. After a
// restart the job resumes from its last committed segment and the output is bit-identical to an
// uninterrupted render's.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace fl::test {
namespace {

using namespace std::chrono_literals;

// `framelock serve` as a child process on a port of its own.
class ServerProcess {
 public:
  ServerProcess(std::string data, int port, std::vector<std::string> extra = {})
      : data_(std::move(data)), port_(port), extra_(std::move(extra)) {}
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void start() {
    std::string log = data_ + ".log";
    const std::string bin = test::framelock_bin(), media = test::opencv_data("");
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string port = std::to_string(port_);
      std::vector<const char*> argv = {bin.c_str(), "serve",      "--data",       data_.c_str(),
                                       "--port",    port.c_str(), "--media-root", media.c_str()};
      for (const std::string& a : extra_) argv.push_back(a.c_str());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), const_cast<char* const*>(argv.data()));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      httplib::Client c("127.0.0.1", port_);
      if (auto r = c.Get("/healthz"); r && r->status == 200) break;
      std::this_thread::sleep_for(50ms);
    }
    // The first start prints the admin token as its last line.
    std::ifstream f(log);
    for (std::string line; std::getline(f, line);)
      if (line.rfind("flk_", 0) == 0) token_ = line;
  }
  void kill(int sig) { ::kill(pid_, sig); }
  // Exit status after waiting at most `limit`; -1 if it is still running.
  int wait(std::chrono::milliseconds limit, double* seconds = nullptr) {
    auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < limit) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (seconds)
          *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  nlohmann::json request(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr, std::string* raw = nullptr) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    httplib::Headers h{{"Authorization", "Bearer " + token_}};
    httplib::Result r = method == "POST" ? c.Post(path.c_str(), h, body.dump(), "application/json")
                                         : c.Get(path.c_str(), h);
    if (!r) return nullptr;
    if (raw) *raw = r->body;
    return nlohmann::json::parse(r->body, nullptr, false);
  }
  std::string token_;

 private:
  std::string data_;
  int port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

// A port nobody listens on. (Not httplib::Server::bind_to_any_port: its socket stays open with
// SO_REUSEPORT, and the kernel would hand half the connections to it.)
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

nlohmann::json job_body() {
  // 90 frames of Megamind, enlarged so a frame takes long enough to be caught mid-render.
  return {
      {"graph",
       {{"sources", {{"clip", {{"path", test::opencv_data("Megamind.avi")}}}}},
        {"nodes",
         {{"big", {{"op", "resize"}, {"inputs", {"clip"}}, {"params", {{"width", 1280}}}}},
          {"grade", {{"op", "exposure"}, {"inputs", {"big"}}, {"params", {{"stops", 0.5}}}}}}}}},
      {"output", {{"node", "grade"}, {"name", "graded.mov"}, {"frames", {0, 89}}}}};
}

nlohmann::json wait_state(ServerProcess& s, const std::string& id, const std::string& state) {
  nlohmann::json j;
  for (int i = 0; i < 1200; ++i) {
    j = s.request("GET", "/v1/jobs/" + id);
    if (j.is_object() && j.value("state", "") == state) return j;
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "job never reached " << state << ": " << j.dump();
  return j;
}

// Waits until the job has committed at least `frames` frames, polling fast.
nlohmann::json wait_frames(ServerProcess& s, const std::string& id, int64_t frames) {
  nlohmann::json j;
  for (int i = 0; i < 6000; ++i) {
    j = s.request("GET", "/v1/jobs/" + id);
    if (j.is_object() && j.value("frames_done", 0) >= frames) return j;
    std::this_thread::sleep_for(5ms);
  }
  ADD_FAILURE() << "job never got to " << frames << " frames: " << j.dump();
  return j;
}

std::string output_of(ServerProcess& s, const std::string& id) {
  std::string raw;
  s.request("GET", "/v1/jobs/" + id + "/output", nullptr, &raw);
  return raw;
}

class Durability : public ::testing::Test {
 protected:
  // The uninterrupted render every interrupted one must equal.
  std::string reference(ServerProcess& s) {
    auto j = s.request("POST", "/v1/jobs", job_body());
    EXPECT_TRUE(j.contains("id")) << j.dump();
    wait_state(s, j["id"], "succeeded");
    return output_of(s, j["id"]);
  }
  TempDir tmp_;
};

TEST_F(Durability, KillNineMidRenderResumesAndTheOutputIsBitIdentical) {
  const std::string data = tmp_.file("data");
  const int port = free_port();
  ServerProcess server(data, port);
  server.start();
  ASSERT_FALSE(server.token_.empty());
  const std::string expected = reference(server);
  ASSERT_GT(expected.size(), 1000u);

  auto job = server.request("POST", "/v1/jobs", job_body());
  const std::string id = job["id"];
  auto before = wait_frames(server, id, 15);
  server.kill(SIGKILL);
  ASSERT_EQ(server.wait(5000ms), 128 + SIGKILL);
  const int64_t committed = before["frames_done"];
  ASSERT_LT(committed, 90) << "the job finished before it could be killed";

  ServerProcess again(data, port);
  again.token_ = server.token_;
  again.start();
  auto resumed = again.request("GET", "/v1/jobs/" + id);
  EXPECT_GE(resumed.value("frames_done", 0), committed) << "committed segments were lost";
  auto done = wait_state(again, id, "succeeded");
  EXPECT_EQ(done["attempts"], 2);
  EXPECT_EQ(done["frames_done"], 90);
  const std::string got = output_of(again, id);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the resumed output differs from an uninterrupted render";
  // No temp files or segments left behind.
  for (const auto& e : std::filesystem::recursive_directory_iterator(data + "/jobs"))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

// A marked job resumed after kill -9 keeps its one audit record: the frames rendered before the
// kill and those after carry the same mark, and the file its Content Credentials describe.
TEST_F(Durability, AMarkedJobKilledMidRenderResumesWithTheSameMark) {
  const std::string key = tmp_.file("studio.key");
  ASSERT_EQ(run(test::framelock_bin() + " watermark keygen --out " + key + " >/dev/null"), 0);
  const std::string data = tmp_.file("data");
  const int port = free_port();
  const std::vector<std::string> mark = {"--watermark-key", key, "--watermark-all"};
  ServerProcess server(data, port, mark);
  server.start();
  ASSERT_FALSE(server.token_.empty());
  auto job = server.request("POST", "/v1/jobs", job_body());
  ASSERT_TRUE(job.contains("id")) << job.dump();
  const std::string id = job["id"];
  auto before = wait_frames(server, id, 12);
  ASSERT_TRUE(before.contains("watermark")) << before.dump();
  const int64_t record = before["watermark"]["record"];
  server.kill(SIGKILL);
  ASSERT_EQ(server.wait(5000ms), 128 + SIGKILL);
  ASSERT_LT(before["frames_done"].get<int64_t>(), 48) << "the job got too far before the kill";

  ServerProcess again(data, port, mark);
  again.token_ = server.token_;
  again.start();
  auto done = wait_state(again, id, "succeeded");
  EXPECT_EQ(done["attempts"], 2);
  EXPECT_EQ(done["watermark"]["record"], record) << done.dump();
  std::string raw;
  again.request("GET", "/v1/audit?type=watermark&limit=100", nullptr, &raw);
  const auto assigned = nlohmann::json::parse(raw, nullptr, false);
  ASSERT_TRUE(assigned.contains("records")) << raw;
  EXPECT_EQ(assigned["records"].size(), 1u) << "a resumed job must not take a second record";
  const std::string out = tmp_.file("marked.mov");
  std::ofstream(out, std::ios::binary) << output_of(again, id);
  // Frames 0-47 (mostly rendered before the kill) and 48-89 (all after it).
  for (const char* start : {"0", "2"}) {
    const std::string report = tmp_.file("detect.json");
    ASSERT_EQ(run(test::framelock_bin() + " watermark detect " + out + " --key " + key +
                  " --start " + start + " --json > " + report),
              0);
    std::ifstream in(report);
    const auto found = nlohmann::json::parse(in, nullptr, false);
    EXPECT_TRUE(found.value("found", false)) << start << ": " << found.dump();
    EXPECT_EQ(found.value("record", int64_t(-1)), record) << start;
  }
  EXPECT_EQ(run(test::framelock_bin() + " provenance verify " + out + " --trust " + data +
                "/c2pa-signer/root.pem >/dev/null"),
            0);
}

TEST_F(Durability, SigtermParksRunningJobsExitsWithinFiveSecondsAndResumes) {
  const std::string data = tmp_.file("data");
  const int port = free_port();
  ServerProcess server(data, port);
  server.start();
  const std::string expected = reference(server);
  auto job = server.request("POST", "/v1/jobs", job_body());
  const std::string id = job["id"];
  wait_frames(server, id, 10);
  server.kill(SIGTERM);
  double seconds = 0;
  EXPECT_EQ(server.wait(10000ms, &seconds), 0) << "SIGTERM must end the server cleanly";
  EXPECT_LT(seconds, 5.0) << "shutdown took " << seconds << " s";
  std::printf("SIGTERM to exit: %.2f s\n", seconds);

  ServerProcess again(data, port);
  again.token_ = server.token_;
  again.start();
  auto parked = again.request("GET", "/v1/jobs/" + id);
  EXPECT_NE(parked.value("state", ""), "failed") << parked.dump();
  EXPECT_NE(parked.value("state", ""), "cancelled") << parked.dump();
  wait_state(again, id, "succeeded");
  EXPECT_TRUE(output_of(again, id) == expected);
}

}  // namespace
}  // namespace fl::test
