// character_lock on Megamind.avi: each lead's shots graded differently inside that lead's matte
// only (random grades from FFmpeg's eq and colorbalance, a fixed seed), then locked back to an
// ungraded still of the lead. Scored on the hand-labelled faces (tests/data/megamind_faces.json),
// not on our own detections: CIEDE2000 between the mean colour of the middle of each labelled
// face and the same region of the ungraded footage, before and after, per trial averaged over
// the lead's frames; the mean, median, 90th-percentile and worst trial are printed.
// Peer: scene_lock (whole frames) to the same still.
//
//   bench_character_lock [--trials N] [--seed S] [--labels FILE] [--keep DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "analysis/cast_eval.h"
#include "analysis/cast_json.h"
#include "analysis/characters.h"
#include "colour/delta_e.h"
#include "io/frame_source.h"

using namespace fl;
using namespace fl::analysis;
namespace fs = std::filesystem;

namespace {

const std::string kMegamind = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
// The clip every step reads: Megamind's 270 frames with regular timestamps (the AVI's are not,
// and FFmpeg's two-input filters would then repeat frames and shift the grade against them).
std::string kClip;

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string ffmpeg() { return "ffmpeg -y -hide_banner -loglevel error "; }

using analysis::mean_delta_e;

Result<std::map<int64_t, colour::Lab>> face_labs(
    const std::string& clip, const std::map<int64_t, std::array<float, 4>>& boxes) {
  return face_region_labs(clip, boxes);
}

struct Summary {
  std::vector<double> v;
  void print(const char* name) {
    std::sort(v.begin(), v.end());
    double mean = 0;
    for (double x : v) mean += x;
    mean /= double(v.size());
    std::printf("%-34s mean %5.2f  median %5.2f  p90 %5.2f  worst %5.2f\n", name, mean,
                v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 9 / 10)], v.back());
  }
};

// One random grade in FFmpeg's terms: eq (gamma per channel, saturation, brightness, contrast)
// then colorbalance (shadows, midtones, highlights per channel).
std::string random_grade(std::mt19937& rng) {
  std::uniform_real_distribution<double> gamma(0.8, 1.25), sat(0.7, 1.3), bright(-0.05, 0.05),
      contrast(0.88, 1.12), bal(-0.15, 0.15);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "eq=gamma_r=%.3f:gamma_g=%.3f:gamma_b=%.3f:saturation=%.3f:brightness=%.3f:"
                "contrast=%.3f,colorbalance=rs=%.3f:gs=%.3f:bs=%.3f:rm=%.3f:gm=%.3f:bm=%.3f:"
                "rh=%.3f:gh=%.3f:bh=%.3f",
                gamma(rng), gamma(rng), gamma(rng), sat(rng), bright(rng), contrast(rng), bal(rng),
                bal(rng), bal(rng), bal(rng), bal(rng), bal(rng), bal(rng) / 2, bal(rng) / 2,
                bal(rng) / 2);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 8;
  unsigned seed = 18;
  std::string labels_path = "tests/data/megamind_faces.json", keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--trials") trials = std::stoi(argv[i + 1]);
    if (a == "--seed") seed = unsigned(std::stoul(argv[i + 1]));
    if (a == "--labels") labels_path = argv[i + 1];
    if (a == "--keep") keep = argv[i + 1];
  }
  const std::string bin = (fs::path(argv[0]).parent_path() / "framelock").string();
  const fs::path dir =
      keep.empty() ? fs::temp_directory_path() / "bench_character_lock" : fs::path(keep);
  fs::create_directories(dir);
  auto file = [&](const std::string& name) { return (dir / name).string(); };
  kClip = file("megamind.mkv");
  if (sh(ffmpeg() + "-i " + kMegamind + " -an -vf setpts=N/24/TB -c:v ffv1 " + kClip))
    return std::fprintf(stderr, "could not copy %s\n", kMegamind.c_str()), 1;
  auto labels = read_face_labels(labels_path);
  if (!labels.ok()) return std::fprintf(stderr, "%s\n", labels.status().to_string().c_str()), 1;

  // The cast, once, and each lead's character in it.
  auto source = io::open_source(kClip, {});
  if (!source.ok()) return std::fprintf(stderr, "%s\n", source.status().to_string().c_str()), 1;
  auto cast = analyse_characters(**source, {});
  if (!cast.ok()) return std::fprintf(stderr, "%s\n", cast.status().to_string().c_str()), 1;
  std::ofstream(file("cast.json")) << cast_to_json(*cast).dump(1);
  const CastScore score = score_cast(*cast, *labels, false);

  std::mt19937 rng(seed);
  Summary before, after, peer, floor;
  std::printf("Megamind.avi, %d trials per lead, seed %u; face CIEDE2000 to the ungraded footage\n",
              trials, seed);
  for (const std::string& lead : labels->leads) {
    const int id = score.character_of.at(lead);
    const auto& boxes = labels->faces.at(lead);
    // The lead's matte, and an ungraded still of them: the middle of their labelled frames.
    const std::string matte = file(lead + "_matte.mkv");
    if (sh(bin + " apply " + kClip + " " + matte +
           " character_mask character=" + std::to_string(id) + " cast=" + file("cast.json") +
           " feather=8 --codec ffv1 > /dev/null 2>&1"))
      return std::fprintf(stderr, "matte of %s failed\n", lead.c_str()), 1;
    auto mid = boxes.begin();
    std::advance(mid, boxes.size() / 2);
    const std::string still = file(lead + "_reference.png");
    sh(ffmpeg() + "-i " + kClip + " -vf \"select=eq(n\\," + std::to_string(mid->first) +
       ")\" -frames:v 1 " + still);
    auto truth = face_labs(kClip, boxes);
    if (!truth.ok()) return std::fprintf(stderr, "%s\n", truth.status().to_string().c_str()), 1;
    // The floor: the ungraded footage locked to the same still. What it changes is the drift
    // between the still and the lead's other frames, which a lock removes by design (and which
    // counts as error against the ungraded footage).
    if (sh(bin + " apply " + kClip + " " + file("floor.mkv") +
           " character_lock character=" + std::to_string(id) + " cast=" + file("cast.json") +
           " reference=" + still + " --codec ffv1 > /dev/null 2>&1"))
      return std::fprintf(stderr, "character_lock of the ungraded clip failed\n"), 1;
    auto floor_labs = face_labs(file("floor.mkv"), boxes);
    if (!floor_labs.ok()) return std::fprintf(stderr, "measuring failed\n"), 1;
    floor.v.push_back(mean_delta_e(*floor_labs, *truth));
    std::printf("  %-8s ungraded, locked (floor): %5.2f\n", lead.c_str(), floor.v.back());
    // The lead's shots, each graded its own way.
    std::vector<std::pair<int64_t, int64_t>> shots;
    for (const auto& c : cast->characters)
      if (c.id == id)
        for (const auto& t : c.tracks)
          shots.push_back({cast->shots[size_t(t.shot)].first, cast->shots[size_t(t.shot)].last});
    std::sort(shots.begin(), shots.end());
    shots.erase(std::unique(shots.begin(), shots.end()), shots.end());
    for (int t = 0; t < trials; ++t) {
      std::string chain;
      for (const auto& [a, b] : shots) {
        std::string g = random_grade(rng);
        // Every filter of the chain only inside this shot.
        std::string timed;
        size_t at = 0;
        while (at < g.size()) {
          size_t end = g.find(',', at);
          if (end == std::string::npos) end = g.size();
          timed += (timed.empty() ? "" : ",") + g.substr(at, end - at) + ":enable='between(n," +
                   std::to_string(a) + "," + std::to_string(b) + ")'";
          at = end + 1;
        }
        chain += (chain.empty() ? "" : ",") + timed;
      }
      const std::string graded = file("graded.mkv"), locked = file("locked.mkv"),
                        scene = file("scene.mkv");
      if (sh(ffmpeg() + "-i " + kClip + " -i " + matte +
             " -filter_complex \"[0:v]format=gbrp,split[a][b];[b]" + chain +
             "[g];[1:v]format=gbrp[m];[a][g][m]maskedmerge\" -an -c:v ffv1 " + graded))
        return std::fprintf(stderr, "grading failed: %s\n", chain.c_str()), 1;
      if (sh(bin + " apply " + graded + " " + locked +
             " character_lock character=" + std::to_string(id) + " cast=" + file("cast.json") +
             " reference=" + still + " --codec ffv1 > /dev/null 2>&1"))
        return std::fprintf(stderr, "character_lock failed\n"), 1;
      if (sh(bin + " apply " + graded + " " + scene + " scene_lock reference=" + still +
             " --codec ffv1 > /dev/null 2>&1"))
        return std::fprintf(stderr, "scene_lock failed\n"), 1;
      auto g = face_labs(graded, boxes), l = face_labs(locked, boxes), s = face_labs(scene, boxes);
      if (!g.ok() || !l.ok() || !s.ok()) return std::fprintf(stderr, "measuring failed\n"), 1;
      before.v.push_back(mean_delta_e(*g, *truth));
      after.v.push_back(mean_delta_e(*l, *truth));
      peer.v.push_back(mean_delta_e(*s, *truth));
      std::printf("  %-8s trial %2d: graded %5.2f  character_lock %5.2f  scene_lock %5.2f\n",
                  lead.c_str(), t, before.v.back(), after.v.back(), peer.v.back());
      std::fflush(stdout);
    }
  }
  floor.print("ungraded, locked (floor)");
  before.print("graded (before)");
  after.print("character_lock");
  peer.print("scene_lock, whole frames (peer)");
  return 0;
}
