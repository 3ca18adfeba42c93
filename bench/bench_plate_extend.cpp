// Background generation and scene extension at 4K, through the renderer, beside FFmpeg peers in
// the same run:
//   clean_plate: 24 4K frames of vtest (upscaled) with a 400x300 box crossing the buildings;
//     the plate is scored in the box's footprint at frame 12 against the untouched frame, beside
//     FFmpeg's tmedian (a temporal median, no alignment) and tmix (a temporal mean).
//   extend: a 2880x2160 (4:3) window panning 60 px a frame over vtest (upscaled), widened to
//     3840x2160 (16:9), scored against the wider window, beside FFmpeg's pad + fillborders; and
//     the same with a locked-off camera, where everything added must be synthesised.
//
//   bench_plate_extend [--work DIR] [--json FILE]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/imgproc.hpp>

#include "bench_common.h"

using json = nlohmann::json;
using namespace fl::bench;

namespace {

constexpr int kW = 3840, kH = 2160;
const std::string kVtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

std::shared_ptr<const fl::Image> render_node(fl::render::Renderer& r, const json& g,
                                             const std::string& node, int64_t frame, double* ms) {
  auto plan = compile(g.dump(), r);
  if (!plan.ok()) {
    std::fprintf(stderr, "%s\n", plan.status().to_string().c_str());
    std::exit(1);
  }
  fl::render::RenderRequest req;
  req.frame = frame;
  const auto t = Clock::now();
  auto img = r.render(**plan, (*plan)->find(node), req);
  if (ms) *ms = ms_since(t);
  if (!img.ok()) {
    std::fprintf(stderr, "%s\n", img.status().to_string().c_str());
    std::exit(1);
  }
  return *img;
}

cv::Mat3b frame_of(fl::render::Renderer& r, const std::string& clip, int64_t frame) {
  return to_bgr8(*render_node(r, {{"sources", {{"in", clip}}}}, "in", frame, nullptr));
}

// Frame `n` of an 8-bit RGB raw clip FFmpeg wrote.
cv::Mat3b raw_frame(const std::string& path, int w, int h, int n) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(n) * w * h * 3);
  cv::Mat3b rgb(h, w), bgr;
  in.read(reinterpret_cast<char*>(rgb.data), std::streamsize(rgb.total() * 3));
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string work = "/tmp/framelock-bench", json_out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--work") work = argv[i + 1];
    if (a == "--json") json_out = argv[i + 1];
  }
  std::filesystem::create_directories(work);
  json results = json::array();
  auto report = [&](const std::string& bench, const std::string& name, double ms, double db,
                    const std::string& note) {
    std::printf("%-44s %9.1f ms  %6.2f dB  %s\n", name.c_str(), ms, db, note.c_str());
    results.push_back(
        {{"bench", bench}, {"method", name}, {"ms", ms}, {"psnr_db", db}, {"note", note}});
  };
  fl::render::Renderer renderer(fl::render::RendererOptions{size_t(5) << 30, 256});

  // --- clean_plate -------------------------------------------------------------------------
  const std::string up =
      "trim=start_frame=200:end_frame=224,setpts=PTS-STARTPTS,"
      "scale=3840:2160:flags=lanczos";
  const std::string clean = work + "/plate_clean_4k.mov", dirty = work + "/plate_dirty_4k.mov";
  constexpr int kBoxW = 400, kBoxH = 300, kX0 = 300, kY0 = 100, kStep = 90, kRef = 12;
  if (!std::filesystem::exists(dirty) &&
      (sh("ffmpeg -nostdin -y -loglevel error -i " + kVtest + " -an -vf " + up +
          " -c:v prores_ks -profile:v 3 " + clean) != 0 ||
       sh("ffmpeg -nostdin -y -loglevel error -i " + kVtest + " -f lavfi -i color=0xd02020:s=" +
          std::to_string(kBoxW) + "x" + std::to_string(kBoxH) + " -filter_complex \"[0:v]" + up +
          "[b];[b][1:v]overlay=x=" + std::to_string(kX0) + "+" + std::to_string(kStep) + "*n:y=" +
          std::to_string(kY0) + ":shortest=1\" -an -c:v prores_ks -profile:v 3 " + dirty) != 0))
    return 1;
  {
    const cv::Mat3b truth = frame_of(renderer, clean, kRef);
    cv::Mat1b box(kH, kW, uchar(0));
    box(cv::Rect(kX0 + kStep * kRef, kY0, kBoxW, kBoxH)).setTo(255);
    const json g = {
        {"sources", {{"in", dirty}}},
        {"nodes",
         {{"p", {{"op", "clean_plate"}, {"inputs", {"in"}}, {"params", {{"frame", kRef}}}}}}}};
    renderer.clear_cache();
    double cold = 0, warm = 0;
    auto plate = render_node(renderer, g, "p", kRef, &cold);
    const double rss = peak_rss_mib();
    render_node(renderer, g, "p", kRef + 1, &warm);
    report("clean_plate", "framelock clean_plate, first frame", cold,
           psnr_in(to_bgr8(*plate), truth, box),
           "analysis: decode 24 4K frames, align, trimmed mean; peak RSS " +
               std::to_string(int(rss)) + " MiB");
    report("clean_plate", "framelock clean_plate, each further frame", warm, -1,
           "the plate in that frame's view (motion measured per frame)");
    // Peers: every frame of the clip through FFmpeg (wall time per frame), frame 12 scored.
    // Both over frames 1-23: tmedian emits only frames with a full window (its output 1 is
    // frame 12), tmix mixes each frame with the ones before it (its output 23 is frames 1-23).
    struct Peer {
      const char* name;
      const char* filter;
      int output_frame;
    };
    for (auto [name, filter, at] :
         {Peer{"FFmpeg tmedian (radius 11)", "tmedian=radius=11", 1},
          Peer{"FFmpeg tmix (mean of 23 frames)", "tmix=frames=23", 23}}) {
      const std::string out = work + "/plate_peer.rgb";
      const auto t = Clock::now();
      if (sh("ffmpeg -nostdin -y -loglevel error -i " + dirty + " -vf \"" + filter +
             ",format=rgb24\" -f rawvideo " + out) != 0) {
        report("clean_plate", name, -1, -1, "failed");
        continue;
      }
      const double per_frame = ms_since(t) / 24.0;
      report("clean_plate", name, per_frame, psnr_in(raw_frame(out, kW, kH, at), truth, box),
             "wall time over the clip / 24 (incl. decode)");
    }
  }

  // --- extend ------------------------------------------------------------------------------
  for (const bool pan : {true, false}) {
    const std::string tag = pan ? "pan" : "static";
    const std::string x = pan ? "600+60*n" : "600";
    const std::string world =
        "trim=start_frame=200:end_frame=217,setpts=PTS-STARTPTS,"
        "scale=5120:3840:flags=lanczos";
    const std::string narrow = work + "/extend_" + tag + "_43.mov",
                      wide = work + "/extend_" + tag + "_169.mov";
    if (!std::filesystem::exists(wide) &&
        (sh("ffmpeg -nostdin -y -loglevel error -i " + kVtest + " -an -vf \"" + world +
            ",crop=2880:2160:" + x + ":600\" -c:v prores_ks -profile:v 3 " + narrow) != 0 ||
         sh("ffmpeg -nostdin -y -loglevel error -i " + kVtest + " -an -vf \"" + world +
            ",crop=3840:2160:" + x + "-480:600\" -c:v prores_ks -profile:v 3 " + wide) != 0))
      return 1;
    constexpr int kT = 8;
    const cv::Mat3b truth = frame_of(renderer, wide, kT);
    cv::Mat1b pads(kH, kW, uchar(255)), near(kH, kW, uchar(0));
    pads(cv::Rect(480, 0, 2880, kH)).setTo(0);
    // Within 200 px of the old edges: what frames 1-4 away saw (a passer-by further out, seen
    // by a later frame where he was then, is the larger part of the error beyond).
    near(cv::Rect(280, 0, 200, kH)).setTo(255);
    near(cv::Rect(3360, 0, 200, kH)).setTo(255);
    renderer.clear_cache();
    double cold = 0, warm = 0;
    auto graph_with = [&](int feather) {
      return json{{"sources", {{"in", narrow}}},
                  {"nodes",
                   {{"e",
                     {{"op", "extend"},
                      {"inputs", {"in"}},
                      {"params", {{"aspect", 1.7778}, {"feather", feather}}}}}}}};
    };
    render_node(renderer, graph_with(8), "e", kT, &cold);
    auto out = render_node(renderer, graph_with(9), "e", kT, &warm);  // frames decoded
    const std::string what = pan ? "camera panning 60 px/frame: the added 2x480 px were seen"
                                 : "locked-off camera: all 2x480 px synthesised";
    const cv::Mat3b ours = to_bgr8(*out);
    report("extend_" + tag, "framelock extend 4:3 -> 16:9 (" + tag + ")", warm,
           psnr_in(ours, truth, pads),
           what + "; within 200 px of the edge " + std::to_string(psnr_in(ours, truth, near)) +
               " dB; cold incl. decoding 17 frames " + std::to_string(int(cold)) + " ms");
    for (auto [name, mode] : {std::pair{"FFmpeg pad + fillborders smear", "smear"},
                              std::pair{"FFmpeg pad + fillborders mirror", "mirror"}}) {
      const std::string out_raw = work + "/extend_peer.rgb";
      const auto t = Clock::now();
      if (sh("ffmpeg -nostdin -y -loglevel error -i " + narrow + " -vf \"select=eq(n\\," +
             std::to_string(kT) + "),pad=3840:2160:480:0,fillborders=left=480:right=480:mode=" +
             mode + ",format=rgb24\" -frames:v 1 -f rawvideo " + out_raw) != 0) {
        report("extend_" + tag, name, -1, -1, "failed");
        continue;
      }
      const cv::Mat3b peer = raw_frame(out_raw, kW, kH, 0);
      report("extend_" + tag, std::string(name) + " (" + tag + ")", ms_since(t),
             psnr_in(peer, truth, pads),
             "within 200 px of the edge " + std::to_string(psnr_in(peer, truth, near)) +
                 " dB; wall time of one ffmpeg run (decodes up to the frame)");
    }
  }
  if (!json_out.empty()) std::ofstream(json_out) << json{{"results", results}}.dump(2) << "\n";
  return 0;
}
