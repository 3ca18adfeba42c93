// The server under connection pressure: `framelock serve` with 1,000 slow or idle connections
// (half idle keep-alives, half slowloris clients trickling a header) and 200 open event
// streams, while /healthz and an authorised GET /v1/jobs/{id} are timed one after another.
// The same requests are timed first on an idle server, side by side.
//
//   bench_http_load [--framelock BIN] [--idle N] [--slow N] [--streams N] [--requests N]
//                   [--json FILE]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

int connect_to(int port, const char* from = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &local.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);  // spread over 127.0.0.x
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One request on a keep-alive connection; the whole response (Content-Length bodies only).
std::string round_trip(int fd, const std::string& request) {
  if (::write(fd, request.data(), request.size()) != ssize_t(request.size())) return {};
  std::string got;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return got;
    got.append(buf, size_t(n));
    auto head = got.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    auto cl = got.find("Content-Length: ");
    if (cl == std::string::npos || cl > head) return got;
    size_t len = std::strtoul(got.c_str() + cl + 16, nullptr, 10);
    if (got.size() >= head + 4 + len) return got;
  }
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[size_t(std::min<double>(double(v.size() - 1), p * double(v.size() - 1) + 0.5))];
}

json timed(int port, const std::string& request, int n) {
  int fd = connect_to(port);
  std::vector<double> ms;
  int failures = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    std::string r = round_trip(fd, request);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (r.rfind("HTTP/1.1 200", 0) != 0) {
      ++failures;
      ::close(fd);
      fd = connect_to(port);
    }
  }
  ::close(fd);
  return {{"p50_ms", percentile(ms, 0.5)},
          {"p99_ms", percentile(ms, 0.99)},
          {"max_ms", *std::max_element(ms.begin(), ms.end())},
          {"failures", failures}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin = "build/bin/framelock", out_json;
  int idle = 500, slow = 500, streams = 200, requests = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--framelock") bin = argv[i + 1];
    if (a == "--idle") idle = std::atoi(argv[i + 1]);
    if (a == "--slow") slow = std::atoi(argv[i + 1]);
    if (a == "--streams") streams = std::atoi(argv[i + 1]);
    if (a == "--requests") requests = std::atoi(argv[i + 1]);
    if (a == "--json") out_json = argv[i + 1];
  }
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  ::signal(SIGPIPE, SIG_IGN);

  const std::string data =
      (std::filesystem::temp_directory_path() / "framelock-http-load").string();
  std::filesystem::remove_all(data);
  const int port = 18000 + int(::getpid() % 2000);
  int pipefd[2];
  if (::pipe(pipefd) != 0) return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);  // the request log: one line per request, not what is measured here
    execl(bin.c_str(), bin.c_str(), "serve", "--port", std::to_string(port).c_str(), "--data",
          data.c_str(), "--media-root", "/usr/share/doc/opencv-doc/examples/data", nullptr);
    _exit(127);
  }
  ::close(pipefd[1]);
  std::string banner;
  char c;
  while (banner.find("#token=") == std::string::npos || banner.back() != '\n') {
    if (::read(pipefd[0], &c, 1) != 1) {
      std::fprintf(stderr, "the server did not start\n");
      return 1;
    }
    banner += c;
  }
  const std::string token = banner.substr(banner.find("#token=") + 7, 64);
  const std::string auth = "Authorization: Bearer " + token.substr(0, token.find('\n')) + "\r\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // A job to ask about, and sessions whose event streams stay open.
  const std::string graph =
      R"({"graph":{"sources":{"c":{"path":"/usr/share/doc/opencv-doc/examples/data/Megamind.avi"}},)"
      R"("nodes":{"g":{"op":"exposure","inputs":["c"],"params":{"stops":0.5}}}},)"
      R"("output":{"node":"g","name":"o.mov","frames":[0,9]}})";
  int ctl = connect_to(port);
  std::string made = round_trip(ctl, "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth +
                                         "Content-Type: application/json\r\nContent-Length: " +
                                         std::to_string(graph.size()) + "\r\n\r\n" + graph);
  auto job = json::parse(made.substr(made.find("\r\n\r\n") + 4), nullptr, false);
  const std::string job_id = job.value("id", "");
  const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string get_job = "GET /v1/jobs/" + job_id + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";

  json report;
  report["idle_server"] = {{"healthz", timed(port, healthz, requests)},
                           {"job", timed(port, get_job, requests)}};

  std::vector<int> held;
  const char* froms[] = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"};
  for (int i = 0; i < idle; ++i) held.push_back(connect_to(port, froms[i % 5]));
  std::vector<int> slow_fds;
  for (int i = 0; i < slow; ++i) {
    int fd = connect_to(port, froms[(i + 2) % 5]);
    (void)!::write(fd, "GET /v1/jobs HTTP/1.1\r\nHo", 25);
    slow_fds.push_back(fd);
  }
  int opened = 0;
  for (int i = 0; i < streams; ++i) {
    int fd = connect_to(port, froms[(i + 4) % 5]);
    std::string s = round_trip(
        fd, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 0\r\n\r\n");
    auto sj = json::parse(s.substr(s.find("\r\n\r\n") + 4), nullptr, false);
    std::string req = "GET /v1/sessions/" + sj.value("id", "") + "/events HTTP/1.1\r\nHost: x\r\n" +
                      auth + "\r\n";
    if (::write(fd, req.data(), req.size()) == ssize_t(req.size())) ++opened;
    held.push_back(fd);
  }
  std::thread trickle([&] {  // slowloris: one byte a second
    for (int k = 0; k < 6; ++k) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      for (int fd : slow_fds) (void)!::write(fd, "s", 1);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  report["loaded_server"] = {{"idle_connections", idle},
                             {"slow_header_connections", slow},
                             {"event_streams", opened},
                             {"healthz", timed(port, healthz, requests)},
                             {"job", timed(port, get_job, requests)}};
  trickle.join();
  for (int fd : held) ::close(fd);
  for (int fd : slow_fds) ::close(fd);
  ::close(ctl);
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::filesystem::remove_all(data);
  std::printf("%s\n", report.dump(2).c_str());
  if (!out_json.empty()) std::ofstream(out_json) << report.dump(2) << "\n";
  return 0;
}
