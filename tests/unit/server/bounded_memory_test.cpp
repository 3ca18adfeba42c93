// One server, 100 different graphs: caches are bounded by their budgets (tiles by bytes, plans
// by count, analyses by bytes, readers by count), so memory levels off instead of growing with
// every graph a session tries. The figures go to docs/benchmarks.md (§12).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "server_fixture.h"

namespace fl::test {
namespace {

// kB of the process's resident set now, and at its peak.
std::pair<int64_t, int64_t> resident_kb() {
  std::ifstream status("/proc/self/status");
  int64_t now = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "VmRSS:") in >> now;
    if (key == "VmHWM:") in >> peak;
  }
  return {now, peak};
}

TEST_F(ServerFixture, AHundredDifferentGraphsKeepMemoryBounded) {
  // Each graph differs in what it renders (a new node key, new tiles, often a new size).
  auto graph = [&](int i) {
    nlohmann::json g = exposure_graph(0.01 * i);
    g["nodes"]["sat"] = {
        {"op", "saturation"}, {"inputs", {"grade"}}, {"params", {{"saturation", 0.5 + 0.01 * i}}}};
    g["nodes"]["size"] = {
        {"op", "resize"}, {"inputs", {"sat"}}, {"params", {{"width", 360 + 8 * (i % 40)}}}};
    return g;
  };
  std::pair<int64_t, int64_t> after_ten{};
  for (int i = 0; i < 100; ++i) {
    Reply r = call("POST", "/v1/previews", artist_,
                   nlohmann::json{{"graph", graph(i)}, {"node", "size"}, {"frame", (i * 7) % 200}});
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
    if (i == 9) after_ten = resident_kb();
  }
  const auto after_hundred = resident_kb();
  std::printf(
      "resident after 10 graphs %.0f MiB, after 100 %.0f MiB, peak %.0f MiB "
      "(tile cache budget 256 MiB)\n",
      after_ten.first / 1024.0, after_hundred.first / 1024.0, after_hundred.second / 1024.0);
  // 90 more graphs may fill the tile cache up to its budget, and no further.
  EXPECT_LT(after_hundred.first - after_ten.first, int64_t(256 + 128) * 1024)
      << "memory grows with the number of graphs";
}

}  // namespace
}  // namespace fl::test
