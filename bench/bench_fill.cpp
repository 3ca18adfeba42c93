// Object removal on a 4K frame with a hole of ~5% of the frame: `fill` at full quality and as a
// coarse 1/8 preview, through the renderer, beside OpenCV's inpaint (Telea and Navier-Stokes)
// and FFmpeg's delogo and removelogo filters on the same frame and hole: time and PSNR inside
// the hole against the untouched frame (display-referred, Rec.709 encoded).
//
// With --pan PX the camera moves: the 4K frames are a window panning PX px a frame (and tilting
// PX/3) over the footage scaled to 4224x2376, so every neighbour is aligned by a homography and
// refined around the hole (the path a moving camera takes).
//
// With --blemish the box stands still on a locked-off camera: no neighbour ever sees behind it.
// The fill then makes its shot-level plate once (an analysis over frames across the clip) and
// holds it in every frame; the same frame is also filled with `hold=false` (synthesised per
// frame) for comparison.
//
//   bench_fill [--work DIR] [--iterations N] [--json FILE] [--pan PX] [--blemish 1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "bench_common.h"
#include "inpaint/shape_track.h"

using json = nlohmann::json;
using Clock = fl::bench::Clock;

namespace {

constexpr int kW = 3840, kH = 2160, kFrame = 6;
// 864x480 (5.0% of the frame), moving 90 px a frame over the buildings and lawn at the top (a
// person walking through the hole would be reconstructed from where he was in other frames).
// FFmpeg's overlay draws frame n where this track says n + 1, hence the track's start one step on.
constexpr int kBoxW = 864, kBoxH = 480, kStep = 90, kX0 = 400, kY0 = 80;

using fl::bench::median;
using fl::bench::ms_since;
using fl::bench::psnr_in;
using fl::bench::sh;
using fl::bench::to_bgr8;

fl::Result<std::shared_ptr<const fl::graph::Plan>> compile(const json& g,
                                                           fl::render::Renderer& renderer) {
  return fl::bench::compile(g.dump(), renderer);
}

int step = kStep;  // 0 with --blemish

std::string track() {
  const int x = kX0 + step;
  return "0: rect " + std::to_string(x) + " " + std::to_string(kY0) + " " + std::to_string(kBoxW) +
         " " + std::to_string(kBoxH) + "; 100: rect " + std::to_string(x + 100 * step) + " " +
         std::to_string(kY0) + " " + std::to_string(kBoxW) + " " + std::to_string(kBoxH);
}

json fill_graph(const std::string& dirty, int samples, bool hold = true) {
  return {{"sources", {{"in", dirty}}},
          {"nodes",
           {{"m",
             {{"op", "mask"}, {"inputs", {"in"}}, {"params", {{"shape", track()}, {"dilate", 4}}}}},
            {"f",
             {{"op", "fill"},
              {"inputs", {"in", "m"}},
              {"params", {{"samples", samples}, {"hold", hold}}}}}}}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string work = "/tmp/framelock-bench", json_out;
  int iterations = 3, pan = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--work")
      work = argv[i + 1];
    else if (a == "--iterations")
      iterations = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--json")
      json_out = argv[i + 1];
    else if (a == "--pan")
      pan = std::max(0, std::atoi(argv[i + 1]));
    else if (a == "--blemish")
      step = std::atoi(argv[i + 1]) ? 0 : kStep;
  }
  const bool blemish = step == 0;
  std::filesystem::create_directories(work);
  const std::string suffix =
      (pan ? "_pan" + std::to_string(pan) : std::string()) + (blemish ? "_blemish" : "");
  const std::string clean = work + "/fill_clean_4k" + suffix + ".mov",
                    dirty = work + "/fill_dirty_4k" + suffix + ".mov";
  const std::string vtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
  const std::string scale =
      "trim=start_frame=200:end_frame=216,setpts=PTS-STARTPTS," +
      (pan ? "scale=4224:2376:flags=lanczos,crop=3840:2160:x=" + std::to_string(pan) +
                 "*n:y=" + std::to_string(pan) + "*n/3"
           : std::string("scale=3840:2160:flags=lanczos"));
  if (!std::filesystem::exists(dirty)) {
    if (sh("ffmpeg -nostdin -y -loglevel error -i " + vtest + " -an -vf " + scale +
           " -c:v prores_ks -profile:v 3 " + clean) != 0 ||
        sh("ffmpeg -nostdin -y -loglevel error -i " + vtest + " -f lavfi -i color=0xd02020:s=" +
           std::to_string(kBoxW) + "x" + std::to_string(kBoxH) + " -filter_complex \"[0:v]" +
           scale + "[b];[b][1:v]overlay=x=" + std::to_string(blemish ? kX0 + step : kX0) + "+" +
           std::to_string(step) + "*n:y=" + std::to_string(kY0) +
           ":shortest=1\" -an -c:v prores_ks -profile:v 3 " + dirty) != 0)
      return 1;
  }

  // The untouched frame, the dirty one and the hole, as the renderer decodes them. The cache
  // holds the whole temporal window (13 frames and their masks, 3.4 GB of float RGBA at 4K):
  // with less, every render decodes the window again.
  fl::render::Renderer renderer(fl::render::RendererOptions{size_t(5) << 30, 256});
  auto frame_of = [&](const std::string& clip) {
    auto plan = compile({{"sources", {{"in", clip}}}}, renderer);
    fl::render::RenderRequest req;
    req.frame = kFrame;
    return *renderer.render(**plan, 0, req);
  };
  const cv::Mat3b original = to_bgr8(*frame_of(clean)), dirty_frame = to_bgr8(*frame_of(dirty));
  fl::inpaint::RasterOptions ro;
  ro.dilate = 4;
  const auto cov =
      fl::inpaint::rasterise(fl::inpaint::ShapeTrack::parse(track())->at(kFrame), kW, kH, ro);
  cv::Mat1b hole(kH, kW), scored(kH, kW);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      const float c = cov[size_t(y) * kW + size_t(x)];
      hole(y, x) = c >= 0.01f ? 255 : 0;
      scored(y, x) = c >= 0.5f ? 255 : 0;
    }
  std::printf("4K frame %d, hole %.1f%% of the frame (%s), camera %s\n", kFrame,
              100.0 * cv::countNonZero(hole) / (double(kW) * kH),
              blemish ? "standing still: never uncovered" : "moving",
              pan ? ("panning " + std::to_string(pan) + " px/frame").c_str() : "locked off");
  json results = json::array();
  auto report = [&](const std::string& name, double ms, double db, const std::string& note) {
    std::printf("%-34s %9.1f ms  %6.2f dB in the hole  %s\n", name.c_str(), ms, db, note.c_str());
    results.push_back({{"method", name}, {"ms", ms}, {"psnr_db", db}, {"note", note}});
  };

  // fill: cold (13 4K frames decoded, and the plate's analysis when one is made), then warm (a
  // parameter change: only the fill reruns).
  std::vector<std::pair<double, bool>> runs{{1.0, true}, {0.125, true}};
  if (blemish) runs.push_back({1.0, false});
  for (auto [s, hold] : runs) {
    std::vector<double> warm;
    double cold = 0;
    std::shared_ptr<const fl::Image> out;
    for (int i = 0; i <= iterations; ++i) {
      if (i == 0) renderer.clear_cache();
      auto plan = compile(fill_graph(dirty, std::min(12, 3 + i), hold), renderer);
      if (!plan.ok()) {
        std::fprintf(stderr, "%s\n", plan.status().to_string().c_str());
        return 1;
      }
      fl::render::RenderRequest req;
      req.frame = kFrame;
      req.scale = s;
      const auto t = Clock::now();
      auto img = renderer.render(**plan, (*plan)->find("f"), req);
      const double ms = ms_since(t);
      if (!img.ok()) {
        std::fprintf(stderr, "%s\n", img.status().to_string().c_str());
        return 1;
      }
      if (i == 0)
        cold = ms;
      else
        warm.push_back(ms);
      out = *img;
    }
    if (s == 1.0) {
      report(hold ? "framelock fill, full quality" : "framelock fill, hold=false (per frame)",
             median(warm), psnr_in(to_bgr8(*out), original, scored),
             std::string(hold ? "warm (frames decoded, plate made); cold incl. decoding 13 4K "
                                "frames and the plate's analysis over 16: "
                              : "warm (frames decoded); cold incl. decoding 13 4K frames: ") +
                 std::to_string(int(cold)) + " ms");
    } else {
      cv::Mat3b small;
      cv::resize(original, small, cv::Size(out->width(), out->height()), 0, 0, cv::INTER_AREA);
      cv::Mat1b small_hole;
      cv::resize(scored, small_hole, small.size(), 0, 0, cv::INTER_NEAREST);
      report("framelock fill, coarse 1/8 preview", median(warm),
             psnr_in(to_bgr8(*out), small, small_hole),
             "warm; vs the original at 1/8 (cold " + std::to_string(int(cold)) + " ms)");
    }
  }

  // OpenCV's inpainting on the same 8-bit frame and hole.
  for (auto [flag, name] : {std::pair{cv::INPAINT_TELEA, "OpenCV inpaint Telea (r=3)"},
                            std::pair{cv::INPAINT_NS, "OpenCV inpaint Navier-Stokes (r=3)"}}) {
    cv::Mat3b out;
    const auto t = Clock::now();
    cv::inpaint(dirty_frame, hole, out, 3, flag);
    report(name, ms_since(t), psnr_in(out, original, scored), "single frame, no time axis");
  }

  // FFmpeg's logo removers on the same frame (raw RGB in and out; `-benchmark` gives the time
  // the filter graph took, without process start-up).
  const std::string raw = work + "/fill_dirty_frame.rgb", out_raw = work + "/fill_out.rgb",
                    mask_png = work + "/fill_mask.png", log = work + "/fill_ffmpeg.log";
  {
    cv::Mat3b rgb;
    cv::cvtColor(dirty_frame, rgb, cv::COLOR_BGR2RGB);
    std::ofstream(raw, std::ios::binary)
        .write(reinterpret_cast<const char*>(rgb.data), std::streamsize(rgb.total() * 3));
    cv::imwrite(mask_png, hole);
  }
  const cv::Rect box = cv::boundingRect(hole);
  const std::string in_args = "-f rawvideo -pix_fmt rgb24 -s 3840x2160 -i " + raw;
  struct Peer {
    std::string name, filter;
  };
  for (const Peer& p : {Peer{"FFmpeg delogo", "delogo=x=" + std::to_string(std::max(1, box.x)) +
                                                  ":y=" + std::to_string(std::max(1, box.y)) +
                                                  ":w=" + std::to_string(box.width) +
                                                  ":h=" + std::to_string(box.height)},
                        Peer{"FFmpeg removelogo", "removelogo=f=" + mask_png}}) {
    const auto t = Clock::now();
    if (sh("ffmpeg -nostdin -y -loglevel error -benchmark " + in_args + " -vf \"format=yuv444p," +
           p.filter + ",format=rgb24\" -f rawvideo " + out_raw + " > " + log + " 2>&1") != 0) {
      report(p.name, -1, -1, "failed: see " + log);
      continue;
    }
    const double wall = ms_since(t);
    std::ifstream in(out_raw, std::ios::binary);
    cv::Mat3b rgb(kH, kW), bgr;
    in.read(reinterpret_cast<char*>(rgb.data), std::streamsize(rgb.total() * 3));
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    report(p.name, wall, psnr_in(bgr, original, scored),
           "wall time of the ffmpeg process (one frame, incl. start-up)");
  }
  if (!json_out.empty()) std::ofstream(json_out) << json{{"results", results}}.dump(2) << "\n";
  return 0;
}
