// A lead whose face turns away while tracked: random cases made from Megamind.avi, where the
// labels (tests/data/megamind_faces.json) say where the face truly is. Each case takes 48 frames
// of one lead's shot, hides their face from a random frame on (a patch the colour of hair, faded
// in over 12 frames, as a turn is not a cut) and pans the picture at a random speed, so the face
// must be followed by what lies below it. Scored on the hidden frames:
//   followed   the lead's character holds a box on the true (hidden) face (IoU >= 0.3)
//   astray     the lead's character holds a box elsewhere
// against the same analysis with following off (the track ends with the face), the peer here.
//
//   bench_turn_away [--cases 24] [--seed 7] [--labels tests/data/megamind_faces.json]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "analysis/cast_eval.h"
#include "analysis/characters.h"
#include "io/frame_source.h"

using namespace fl;
using namespace fl::analysis;
namespace fs = std::filesystem;

namespace {

const std::string kClip = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
// The patch covers the face in kSteps steps, one a frame (a large face covered at once
// reads as a cut to the shot detector; a turn is not one).
constexpr int kFrames = 48, kSteps = 12, kFade = kSteps, kCropW = 560, kCropH = 440;

struct Case {
  std::string lead;
  int64_t first = 0;  // of the 48 frames, in the clip
  int hide = 0;       // output frame the patch starts fading in
  double vx = 0, vy = 0, x0 = 0, y0 = 0;
  std::array<float, 4> patch{};  // the union of the face's boxes, in the clip's pixels
};

struct Score {
  int hidden = 0, followed = 0, astray = 0;
};

float iou(const std::array<float, 4>& a, const FaceBox& b) {
  const float ix = std::max(0.f, std::min(a[0] + a[2], b.x + b.w) - std::max(a[0], b.x));
  const float iy = std::max(0.f, std::min(a[1] + a[3], b.y + b.h) - std::max(a[1], b.y));
  const float inter = ix * iy;
  return inter / (a[2] * a[3] + b.w * b.h - inter);
}

std::string make_clip(const Case& c, const std::string& path) {
  const auto& p = c.patch;
  char box[160];
  std::snprintf(box, sizeof box, "drawbox=x=%d:y=%d:w=%d:h=%d:color=0x2b1d14", int(p[0]), int(p[1]),
                int(p[2]), int(p[3]));
  // Stacked, step k adds 1/(kSteps-k) of what is still uncovered: k/kSteps covered after it.
  std::string patch;
  for (int k = 0; k < kSteps; ++k) {
    char step[256];
    std::snprintf(step, sizeof step, "%s@%.4f:t=fill:enable='gte(n,%d)',", box, 1.0 / (kSteps - k),
                  c.hide + k);
    patch += step;
  }
  char vf[2048];
  std::snprintf(
      vf, sizeof vf,
      "select=between(n\\,%ld\\,%ld),setpts=N/24/TB,%scrop=%d:%d:'%.3f+n*%.3f':'%.3f+n*%.3f'",
      long(c.first), long(c.first + kFrames - 1), patch.c_str(), kCropW, kCropH, c.x0, c.vx, c.y0,
      c.vy);
  const std::string cmd =
      "ffmpeg -nostdin -v error -y -i " + kClip + " -an -vf \"" + vf + "\" -c:v ffv1 " + path;
  return std::system(cmd.c_str()) == 0 ? "" : "ffmpeg failed: " + cmd;
}

Result<Score> score(const Case& c, const FaceLabels& labels, const std::string& clip,
                    const CharacterOptions& options) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(clip, {}));
  FL_ASSIGN_OR_RETURN(Cast cast, analyse_characters(*source, {}, options));
  const auto& truth = labels.faces.at(c.lead);
  auto true_box = [&](int n) {
    std::array<float, 4> b = truth.at(c.first + n);
    b[0] -= float(int(c.x0 + n * c.vx));  // crop offsets are whole pixels
    b[1] -= float(int(c.y0 + n * c.vy));
    return b;
  };
  // The lead's character: the one on their face before it is hidden.
  const Character* lead = nullptr;
  float best = 0.3f;
  for (const auto& ch : cast.characters)
    for (const auto& t : ch.tracks)
      for (const FaceBox& b : t.boxes)
        if (b.frame < c.hide && iou(true_box(int(b.frame)), b) > best)
          best = iou(true_box(int(b.frame)), b), lead = &ch;
  Score s;
  for (int n = c.hide + kFade; n < kFrames; ++n) {
    ++s.hidden;
    if (!lead) continue;
    for (const auto& t : lead->tracks)
      for (const FaceBox& b : t.boxes)
        if (b.frame == n) (iou(true_box(n), b) >= 0.3f ? s.followed : s.astray)++;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int cases = 24;
  unsigned seed = 7;
  std::string labels_path = "tests/data/megamind_faces.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--cases") cases = std::atoi(argv[i + 1]);
    if (a == "--seed") seed = unsigned(std::atoi(argv[i + 1]));
    if (a == "--labels") labels_path = argv[i + 1];
  }
  auto labels = read_face_labels(labels_path);
  if (!labels.ok()) {
    std::fprintf(stderr, "%s\n", labels.status().to_string().c_str());
    return 1;
  }
  // Runs of 48 frames where a lead's face is labelled on every frame.
  std::vector<std::pair<std::string, int64_t>> starts;
  for (const std::string& lead : labels->leads) {
    const auto& f = labels->faces.at(lead);
    for (const auto& [frame, box] : f) {
      bool all = true;
      for (int64_t k = frame; k < frame + kFrames && all; ++k) all = f.count(k) > 0;
      if (all) starts.emplace_back(lead, frame);
    }
  }
  std::mt19937 rng(seed);
  const fs::path dir = fs::temp_directory_path() / "framelock_turn_away";
  fs::create_directories(dir);
  CharacterOptions off;
  off.max_follow = 0;
  std::printf(
      "%d cases (seed %u): 48 frames of a lead, face hidden from a random frame, random pan\n",
      cases, seed);
  std::printf("%-4s %-8s %6s %5s %7s %7s   %-17s %-17s\n", "case", "lead", "first", "hide", "vx",
              "vy", "followed (astray)", "following off");
  std::vector<double> rates, rates_off;
  int astray_total = 0, hidden_total = 0;
  for (int k = 0; k < cases; ++k) {
    Case c;
    const auto& [lead, first] =
        starts[std::uniform_int_distribution<size_t>(0, starts.size() - 1)(rng)];
    c.lead = lead;
    c.first = first;
    c.hide = std::uniform_int_distribution<int>(6, 20)(rng);
    c.vx = std::uniform_real_distribution<double>(-4, 4)(rng);
    c.vy = std::uniform_real_distribution<double>(-1.5, 1.5)(rng);
    // Start where the pan stays inside the frame.
    c.x0 = c.vx >= 0 ? 0 : -c.vx * (kFrames - 1);
    c.y0 = c.vy >= 0 ? 0 : -c.vy * (kFrames - 1);
    float x0 = 1e9f, y0 = 1e9f, x1 = 0, y1 = 0;
    for (int n = 0; n < kFrames; ++n) {
      const auto& b = labels->faces.at(lead).at(first + n);
      x0 = std::min(x0, b[0]), y0 = std::min(y0, b[1]);
      x1 = std::max(x1, b[0] + b[2]), y1 = std::max(y1, b[1] + b[3]);
    }
    c.patch = {x0 - 12, y0 - 12, x1 - x0 + 24, y1 - y0 + 24};
    const std::string clip = (dir / ("case" + std::to_string(k) + ".mkv")).string();
    if (std::string err = make_clip(c, clip); !err.empty()) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    auto on = score(c, *labels, clip, {});
    auto plain = score(c, *labels, clip, off);
    if (!on.ok() || !plain.ok()) {
      std::fprintf(stderr, "case %d: %s\n", k,
                   (on.ok() ? plain.status() : on.status()).to_string().c_str());
      return 1;
    }
    const double rate = double(on->followed) / on->hidden;
    const double rate_off = double(plain->followed) / plain->hidden;
    rates.push_back(rate);
    rates_off.push_back(rate_off);
    astray_total += on->astray;
    hidden_total += on->hidden;
    std::printf("%-4d %-8s %6ld %5d %7.2f %7.2f   %6.1f%% (%3d)      %6.1f%%\n", k, lead.c_str(),
                long(first), c.hide, c.vx, c.vy, 100 * rate, on->astray, 100 * rate_off);
    fs::remove(clip);
  }
  auto summary = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double mean = 0;
    for (double x : v) mean += x;
    return std::array<double, 4>{mean / double(v.size()), v[v.size() / 2],
                                 v[size_t(double(v.size()) * 0.1)], v.front()};
  };
  const auto a = summary(rates), b = summary(rates_off);
  std::printf(
      "\nhidden frames followed     mean %5.1f%%  median %5.1f%%  10th pct %5.1f%%  worst "
      "%5.1f%%\n",
      100 * a[0], 100 * a[1], 100 * a[2], 100 * a[3]);
  std::printf(
      "  following off (peer)     mean %5.1f%%  median %5.1f%%  10th pct %5.1f%%  worst %5.1f%%\n",
      100 * b[0], 100 * b[1], 100 * b[2], 100 * b[3]);
  std::printf("boxes astray (on something else): %d of %d hidden frames (%.1f%%)\n", astray_total,
              hidden_total, 100.0 * astray_total / std::max(1, hidden_total));
  return 0;
}
