// Preview latency on a 4K frame, per operator: from a parameter change (new graph -> compile ->
// render at 1/8) to the first coarse image, with the source frame already decoded (a live
// session), and cold (fresh renderer: decode + pyramid + render).
//
//   bench_preview [--work DIR] [--iterations N] [--json FILE]
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

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Case {
  std::string op;
  std::vector<std::string> inputs;
  std::function<json(int)> params;  // iteration -> params (each differs: a slider drag)
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = size_t(std::clamp(p * (v.size() - 1) + 0.5, 0.0, double(v.size() - 1)));
  return v[i];
}

std::string graph_for(const Case& c, const std::string& clip, int i) {
  json inputs = json::array();
  for (const auto& in : c.inputs) inputs.push_back(in);
  return json{{"sources", {{"s", clip}}},
              {"nodes", {{"x", {{"op", c.op}, {"inputs", inputs}, {"params", c.params(i)}}}}}}
      .dump();
}

fl::Result<std::shared_ptr<const fl::graph::Plan>> compile(const std::string& text,
                                                           fl::render::Renderer& renderer) {
  FL_ASSIGN_OR_RETURN(auto g, fl::graph::parse_graph(text, "bench"));
  fl::graph::CompileOptions o;
  o.probe = renderer.prober();
  return fl::graph::compile(g, fl::ops::builtin_registry(), o);
}

}  // namespace

int main(int argc, char** argv) {
  // --only OP: that case alone (scene_lock_new_reference, scene_lock_reverse_shot and
  // character_mask name the blocks after the table).
  std::string work = "/tmp/framelock-bench", json_out, only;
  auto wanted = [&](const std::string& name) { return only.empty() || only == name; };
  int iterations = 40;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--work")
      work = argv[i + 1];
    else if (a == "--iterations")
      iterations = std::atoi(argv[i + 1]);
    else if (a == "--json")
      json_out = argv[i + 1];
    else if (a == "--only")
      only = argv[i + 1];
  }
  std::filesystem::create_directories(work);
  const std::string clip = work + "/preview_src_4k.mov";
  if (!std::filesystem::exists(clip)) {
    std::string cmd =
        "ffmpeg -nostdin -y -loglevel error -i "
        "/usr/share/doc/opencv-doc/examples/data/Megamind.avi "
        "-an -ss 4 -frames:v 3 -vf scale=3840:2160:flags=lanczos -c:v prores_ks -profile:v 3 "
        "-pix_fmt yuv422p10le " +
        clip;
    if (std::system(cmd.c_str()) != 0) return 1;
  }
  const std::string root = std::filesystem::path(__FILE__).parent_path().parent_path().string();
  const std::string cube = root + "/examples/looks/filmic_warm.cube";
  const std::string ocio = root + "/tests/data/ocio/config.ocio";
  // Every iteration gets a value not seen before, so nothing downstream of the source is cached.
  auto f = [](double base, double step) { return [=](int i) { return base + step * i; }; };
  std::vector<Case> cases = {
      {"exposure",
       {"s"},
       [=](int i) {
         return json{{"stops", f(0.1, 0.01)(i)}};
       }},
      {"saturation",
       {"s"},
       [=](int i) {
         return json{{"saturation", f(0.5, 0.01)(i)}};
       }},
      {"cdl",
       {"s"},
       [=](int i) {
         return json{{"slope", {f(1.0, 0.002)(i), 1.0, 0.9}},
                     {"power", {1.1, 1, 0.95}},
                     {"saturation", 1.2}};
       }},
      {"lut3d",
       {"s"},
       [=](int i) {
         return json{{"file", cube},
                     {"space", i % 2 ? "rec709" : "srgb"},
                     {"interp", i % 4 < 2 ? "trilinear" : "tetrahedral"}};
       }},
      {"ocio",
       {"s"},
       [=](int i) {
         return json{
             {"config", ocio}, {"src", "linear"}, {"dst", i % 2 ? "log2_shot" : "srgb_display"}};
       }},
      {"crop",
       {"s"},
       [=](int i) {
         return json{{"x", 4 * i}, {"y", 0}, {"width", 3000}, {"height", 1600}};
       }},
      {"resize",
       {"s"},
       [=](int i) {
         return json{{"width", 1920 + 8 * i}};
       }},
      {"reformat",
       {"s"},
       [=](int i) {
         return json{{"width", 2048}, {"height", 858 + 2 * i}, {"fit", "fit"}};
       }},
      {"mix",
       {"s", "s"},
       [=](int i) {
         return json{{"amount", f(0.2, 0.005)(i)}};
       }},
      {"wipe",
       {"s", "s"},
       [=](int i) {
         return json{{"position", f(0.2, 0.005)(i)}};
       }},
      // The fit is analysed once per reference; a strength drag only re-renders.
      {"scene_lock",
       {"s"},
       [=](int i) {
         return json{{"reference", "frame:0"}, {"strength", f(0.5, 0.01)(i)}};
       }},
  };

  json results = json::array();
  std::printf("4K (3840x2160) ProRes 422 HQ source, first coarse image at 1/8 scale (480x270)\n");
  std::printf("%-11s %9s %9s %9s %11s %11s\n", "op", "warm p50", "warm p95", "warm max", "cold p50",
              "full-res");
  for (const auto& c : cases) {
    if (!wanted(c.op)) continue;
    fl::render::Renderer renderer;
    // Warm-up: the source frame is decoded and its pyramid cached, as in a live session.
    auto first = compile(graph_for(c, clip, 0), renderer);
    if (!first.ok()) {
      std::fprintf(stderr, "%s: %s\n", c.op.c_str(), first.status().message().c_str());
      return 1;
    }
    fl::render::RenderRequest req;
    req.frame = 1;
    req.scale = 0.125;
    (void)renderer.render(**first, (*first)->find("x"), req);
    // Op results are not kept between iterations: every change renders (discrete params such
    // as lut3d's interp would otherwise come back from the cache).
    req.cache_intermediates = false;
    std::vector<double> warm;
    for (int i = 1; i <= iterations; ++i) {
      auto t = Clock::now();
      auto plan = compile(graph_for(c, clip, i), renderer);
      auto img = renderer.render(**plan, (*plan)->find("x"), req);
      warm.push_back(ms_since(t));
      if (!img.ok()) {
        std::fprintf(stderr, "%s: %s\n", c.op.c_str(), img.status().message().c_str());
        return 1;
      }
    }
    std::vector<double> cold;
    for (int i = 0; i < 3; ++i) {
      fl::render::Renderer fresh;
      auto t = Clock::now();
      auto plan = compile(graph_for(c, clip, i), fresh);
      auto img = fresh.render(**plan, (*plan)->find("x"), req);
      cold.push_back(ms_since(t));
    }
    auto full_req = req;
    full_req.scale = 1.0;
    auto t = Clock::now();
    auto plan = compile(graph_for(c, clip, 7), renderer);
    (void)renderer.render(**plan, (*plan)->find("x"), full_req);
    double full = ms_since(t);
    std::printf("%-11s %7.1fms %7.1fms %7.1fms %9.1fms %9.1fms\n", c.op.c_str(),
                percentile(warm, 0.5), percentile(warm, 0.95),
                *std::max_element(warm.begin(), warm.end()), percentile(cold, 0.5), full);
    results.push_back({{"op", c.op},
                       {"warm_p50_ms", percentile(warm, 0.5)},
                       {"warm_p95_ms", percentile(warm, 0.95)},
                       {"cold_p50_ms", percentile(cold, 0.5)},
                       {"full_res_ms", full}});
  }
  // A new reference picked in a live session (frame 0 or 2 of the clip, already decoded): the
  // first coarse preview comes from a one-frame fit, before (and without waiting for) the
  // analysis of the clip. Each iteration is a fresh renderer, so nothing of the fit is cached.
  if (wanted("scene_lock_new_reference")) {
    std::vector<double> first_look;
    double agreement = 0;
    const int runs = std::max(3, iterations / 4);
    for (int i = 0; i < runs; ++i) {
      fl::render::Renderer renderer;
      const std::string reference = i % 2 ? "frame:0" : "frame:2";
      Case c{"scene_lock", {"s"}, [&](int) { return json{{"reference", reference}}; }};
      auto plan = compile(graph_for(c, clip, i), renderer);
      if (!plan.ok()) return 1;
      fl::render::RenderRequest warm;
      warm.scale = 0.125;
      for (int64_t f = 0; f < 3; ++f) {
        warm.frame = f;
        (void)renderer.render(**plan, (*plan)->find("s"), warm);
      }
      fl::render::RenderRequest req;
      req.frame = 1;
      req.scale = 0.125;
      req.quality = 1;
      auto t = Clock::now();
      auto fresh = compile(graph_for(c, clip, i), renderer);
      auto img = renderer.render(**fresh, (*fresh)->find("x"), req);
      first_look.push_back(ms_since(t));
      if (!img.ok()) {
        std::fprintf(stderr, "scene_lock preview: %s\n", img.status().message().c_str());
        return 1;
      }
      if (i == 0) {  // how close the first look is to the analysed result at the same scale
        auto final_req = req;
        final_req.quality = 2;
        auto analysed = renderer.render(**fresh, (*fresh)->find("x"), final_req);
        if (analysed.ok()) {
          double se = 0;
          const size_t n = (*img)->pixel_count() * 4;
          for (size_t k = 0; k < n; ++k) {
            const double d = double((*img)->data()[k]) - (*analysed)->data()[k];
            se += d * d;
          }
          agreement = 10 * std::log10(1.0 / std::max(se / double(n), 1e-12));
        }
      }
    }
    std::printf(
        "scene_lock, new reference (before analysis): p50 %.1f ms, p95 %.1f ms, max %.1f "
        "ms over %d fresh renderers; %.1f dB from the analysed preview\n",
        percentile(first_look, 0.5), percentile(first_look, 0.95),
        *std::max_element(first_look.begin(), first_look.end()), runs, agreement);
    results.push_back({{"op", "scene_lock_new_reference"},
                       {"warm_p50_ms", percentile(first_look, 0.5)},
                       {"warm_p95_ms", percentile(first_look, 0.95)},
                       {"psnr_vs_analysed_db", agreement}});
  }
  // The same with a reference of another set-up (a 4K still of Megamind's reverse shot, read
  // once by an earlier preview): the stand-in goes through feature matching or statistics.
  if (wanted("scene_lock_reverse_shot")) {
    const std::string still = work + "/preview_reverse_shot_4k.png";
    if (!std::filesystem::exists(still)) {
      std::string cmd =
          "ffmpeg -nostdin -y -loglevel error -i "
          "/usr/share/doc/opencv-doc/examples/data/Megamind.avi -an -vf "
          "\"select=eq(n\\,120),scale=3840:2160:flags=lanczos\" -frames:v 1 -pix_fmt rgb48be " +
          still;
      if (std::system(cmd.c_str()) != 0) return 1;
    }
    std::vector<double> looks;
    for (int i = 0; i < 3; ++i) {
      fl::render::Renderer renderer;
      Case c{"scene_lock", {"s"}, [&](int) { return json{{"reference", still}}; }};
      auto plan = compile(graph_for(c, clip, i), renderer);
      if (!plan.ok()) return 1;
      fl::render::RenderRequest req;
      req.scale = 0.125;
      req.quality = 1;
      for (int64_t f = 0; f < 3; ++f) {  // the frames decoded, as in a live session
        req.frame = f;
        (void)renderer.render(**plan, (*plan)->find("s"), req);
      }
      req.frame = 0;
      (void)renderer.render(**plan, (*plan)->find("x"), req);  // reads the still, fits frame 0
      req.frame = 1 + i % 2;
      auto t = Clock::now();
      auto img = renderer.render(**plan, (*plan)->find("x"), req);
      looks.push_back(ms_since(t));
      if (!img.ok()) {
        std::fprintf(stderr, "scene_lock preview: %s\n", img.status().message().c_str());
        return 1;
      }
    }
    std::printf("scene_lock, reverse-shot still (before analysis): p50 %.1f ms, max %.1f ms\n",
                percentile(looks, 0.5), *std::max_element(looks.begin(), looks.end()));
    results.push_back(
        {{"op", "scene_lock_reverse_shot_reference"}, {"warm_p50_ms", percentile(looks, 0.5)}});
  }
  // character_mask at 1/4 scale (960x540) after the analysis: the cast file holds Roxanne on the
  // clip's two frames of shot 0 (her hand-labelled boxes of Megamind frames 96-97, scaled to
  // 4K). Each feather value re-runs the segmentation and the matte.
  if (wanted("character_mask")) {
    const std::string cast = work + "/preview_cast_4k.json";
    std::ifstream labels_in(root + "/tests/data/megamind_faces.json");
    const json labels = json::parse(labels_in, nullptr, false);
    if (labels.is_discarded()) return 1;
    const double sx = 3840.0 / 720, sy = 2160.0 / 528;
    json boxes = json::array();
    for (const auto& b : labels["faces"]["roxanne"]) {
      const int64_t f = b[0].get<int64_t>();
      if (f == 96 || f == 97)
        boxes.push_back({f - 96, b[1].get<double>() * sx, b[2].get<double>() * sy,
                         b[3].get<double>() * sx, b[4].get<double>() * sy, 0.9});
    }
    if (boxes.size() != 2) return 1;
    std::ofstream(cast) << json{{"frame_count", 3},
                                {"characters",
                                 {{{"id", 1},
                                   {"name", "Roxanne"},
                                   {"tracks",
                                    {{{"shot", 0}, {"start", 0}, {"end", 1}, {"boxes", boxes}}}}}}}}
                               .dump();
    Case c{"character_mask", {"s"}, [&](int i) {
             return json{{"character", "Roxanne"}, {"cast", cast}, {"feather", 8 + i}};
           }};
    fl::render::Renderer renderer;
    auto first = compile(graph_for(c, clip, 0), renderer);
    if (!first.ok()) {
      std::fprintf(stderr, "character_mask: %s\n", first.status().message().c_str());
      return 1;
    }
    fl::render::RenderRequest req;
    req.frame = 1;
    req.scale = 0.25;
    (void)renderer.render(**first, (*first)->find("x"), req);
    req.cache_intermediates = false;
    std::vector<double> times;
    for (int i = 1; i <= iterations; ++i) {
      auto t = Clock::now();
      auto plan = compile(graph_for(c, clip, i), renderer);
      auto img = renderer.render(**plan, (*plan)->find("x"), req);
      times.push_back(ms_since(t));
      if (!img.ok()) {
        std::fprintf(stderr, "character_mask: %s\n", img.status().message().c_str());
        return 1;
      }
    }
    std::printf(
        "character_mask at 1/4 scale (960x540), after analysis: p50 %.1f ms, p95 %.1f ms, "
        "max %.1f ms\n",
        percentile(times, 0.5), percentile(times, 0.95),
        *std::max_element(times.begin(), times.end()));
    results.push_back({{"op", "character_mask_quarter"},
                       {"warm_p50_ms", percentile(times, 0.5)},
                       {"warm_p95_ms", percentile(times, 0.95)}});
  }
  if (!json_out.empty()) std::ofstream(json_out) << results.dump(2) << "\n";
  return 0;
}
