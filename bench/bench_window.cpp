// The streaming render's sliding window at 4K (render/window_cache.h), before and after in the
// same run: each graph renders the same frames to `null` with the window off (every output
// frame makes again every frame its temporal windows read) and on (each made once per render).
//   reformat -> fill         fill reads 13 reformatted frames per output frame
//   fill -> extend           extend reads 17 filled frames
//   long chain               reformat -> exposure -> fill -> saturation -> extend
//
//   bench_window [--frames N] [--work DIR] [--only "fill -> extend"] [--modes off,on] [--scale S]
#include <cstdio>
#include <filesystem>
#include <string>

#include "bench_common.h"
#include "render/output.h"

using json = nlohmann::json;
using namespace fl::bench;

namespace {

constexpr int kW = 4096, kH = 2160;

struct Case {
  const char* name;
  json nodes;
  const char* out;
};

}  // namespace

int main(int argc, char** argv) {
  int frames = 6;
  double scale =
      1.0;  // --scale 0.5: the same graphs rendered at half size (a quarter of the memory)
  std::string work = "/tmp/bench_window", only;
  std::string modes = "off,on";  // which of the two renders to run (a 4K long chain with the
                                 // window off outgrows a 24 GB machine)
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--frames") frames = std::atoi(argv[i + 1]);
    if (a == "--work") work = argv[i + 1];
    if (a == "--only") only = argv[i + 1];
    if (a == "--modes") modes = argv[i + 1];
    if (a == "--scale") scale = std::atof(argv[i + 1]);
  }
  std::filesystem::create_directories(work);
  const std::string clip = work + "/pan4k.mkv", spot = work + "/spot4k.png",
                    spot_uhd = work + "/spot_uhd.png";
  // A 4K pan (8 px a frame) long enough that the frames rendered sit clear of both ends.
  const int total = frames + 32;
  if (!std::filesystem::exists(clip) &&
      sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=4600x2160:rate=24 -frames:v " +
         std::to_string(total) + " -vf \"crop=4096:2160:x='n*8':y=0\" -pix_fmt yuv422p10le " +
         "-c:v ffv1 " + clip) != 0)
    return 1;
  if (!std::filesystem::exists(spot) &&
      sh("ffmpeg -v error -y -f lavfi -i color=black:size=4096x2160 -frames:v 1 -vf "
         "\"drawbox=x=1900:y=900:w=240:h=200:color=white:t=fill\" " +
         spot) != 0)
    return 1;

  if (!std::filesystem::exists(spot_uhd) &&
      sh("ffmpeg -v error -y -i " + spot + " -vf crop=3840:2160 " + spot_uhd) != 0)
    return 1;

  const json fill = {{"op", "fill"}, {"params", {{"hold", false}}}};
  auto with_inputs = [](json node, json inputs) {
    node["inputs"] = std::move(inputs);
    return node;
  };
  const json reformat = {{"op", "reformat"},
                         {"inputs", {"s"}},
                         {"params", {{"width", 3840}, {"height", 2160}, {"fit", "fill"}}}};
  const json extend = {{"op", "extend"}, {"params", {{"left", 128}, {"right", 128}}}};
  std::vector<Case> cases = {
      {"reformat -> fill",
       {{"fit", reformat}, {"f", with_inputs(fill, {{"in", "fit"}, {"mask", "mu"}})}},
       "f"},
      {"fill -> extend",
       {{"f", with_inputs(fill, {{"in", "s"}, {"mask", "m"}})}, {"x", with_inputs(extend, {"f"})}},
       "x"},
      {"long chain",
       {{"fit", reformat},
        {"e", {{"op", "exposure"}, {"inputs", {"fit"}}, {"params", {{"stops", 0.3}}}}},
        {"f", with_inputs(fill, {{"in", "e"}, {"mask", "mu"}})},
        {"sat", {{"op", "saturation"}, {"inputs", {"f"}}, {"params", {{"saturation", 1.2}}}}},
        {"x", with_inputs(extend, {"sat"})}},
       "x"},
  };
  std::printf("%d frames of a %dx%d pan (frames 16-%d) at scale %g, 2 cores, to null\n", frames, kW,
              kH, 15 + frames, scale);
  std::printf("%-18s %14s %14s %8s   frames made per node (window on)\n", "graph", "window off s/f",
              "window on s/f", "speed-up");
  for (const Case& c : cases) {
    if (!only.empty() && only != c.name) continue;
    json g = {{"sources", {{"s", clip}, {"m", spot}, {"mu", spot_uhd}}},
              {"nodes", c.nodes},
              {"outputs", json::array({{{"node", c.out}, {"path", "null"}}})}};
    double secs[2] = {0, 0};
    std::string made;
    for (int window = 0; window < 2; ++window) {
      if (modes.find(window ? "on" : "off") == std::string::npos) continue;
      fl::render::Renderer r;
      auto plan = compile(g.dump(), r);
      if (!plan.ok()) {
        std::fprintf(stderr, "%s\n", plan.status().to_string().c_str());
        return 1;
      }
      fl::render::OutputOptions o;
      o.window_cache = window == 1;
      o.scale = scale;
      o.frames = fl::graph::FrameRange{16, 15 + frames};
      fl::render::OutputReport report;
      o.report = &report;
      const auto t = Clock::now();
      fl::Status s = fl::render::render_to_file(r, **plan, (*plan)->outputs[0], o, "null");
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.to_string().c_str());
        return 1;
      }
      secs[window] = ms_since(t) / 1000.0 / frames;
      std::fprintf(stderr, "%s, window %s: %.2f s/frame, peak resident so far %.0f MiB\n", c.name,
                   window ? "on" : "off", secs[window], peak_rss_mib());
      for (size_t i = 0; i < report.frames_made.size(); ++i)
        if (report.frames_made[i] > 0)
          made += (*plan)->nodes[i].id + " " + std::to_string(report.frames_made[i]) + "  ";
    }
    std::printf("%-18s %14.2f %14.2f %7.1fx   %s\n", c.name, secs[0], secs[1], secs[0] / secs[1],
                made.c_str());
    std::fflush(stdout);
  }
  std::printf("peak resident %.0f MiB\n", peak_rss_mib());
  return 0;
}
