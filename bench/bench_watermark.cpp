// The watermark's cost and its false positives (issue 20; docs/benchmarks.md §15).
//
//   bench_watermark mark [FRAMES]        4K 16-bit frames marked, 1 thread and 2 threads, against
//                                        the same saturating add done by OpenCV (cv::add) with
//                                        a precomputed delta frame, and a plain copy
//   bench_watermark flat MARKED REF      flat areas of real footage: over 16x16 blocks whose
//                                        unmarked luma has sigma < 1 (and < 2) code values, the
//                                        mark's RMS and largest change (the 8-bit Y plane as
//                                        coded, both files decoded by FFmpeg's command)
//   bench_watermark null [DETECTIONS] [KEYS_PER_EXCERPT] [SEED]
//                                        blind detections on unmarked real footage (opencv-doc
//                                        clips, random 2 s excerpts, scaled, eq'd or as they are),
//                                        each with a fresh random key (an excerpt is read with
//                                        KEYS_PER_EXCERPT keys, default 1): payloads accepted,
//                                        words tried, near misses (top 8 check bits right), pilot z
//   bench_watermark read FILE KEY RECORD [EXCERPTS]
//                                        a marked (and attacked) file read from random 2 s
//                                        excerpts, blind and then informed (RECORD among 256
//                                        outputs of the ledger): exact payloads, z, time
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <opencv2/core.hpp>

#include "bench_common.h"
#include "provenance/watermark_detect.h"
#include "provenance/watermark_key.h"
#include "provenance/watermark_stage.h"

namespace {

using namespace fl;
using namespace fl::provenance;

Rgb48Image textured_4k() {
  Rgb48Image img(3840, 2160);
  std::mt19937 rng(5);
  std::normal_distribution<float> grain(0.f, 500.f);
  uint16_t* p = img.data();
  for (int y = 0; y < 2160; ++y)
    for (int x = 0; x < 3840; ++x, p += 3) {
      const double base =
          28000 + 14000 * std::sin(x / 97.0) * std::cos(y / 61.0) + 6000 * std::sin((x + y) / 13.0);
      for (int c = 0; c < 3; ++c)
        p[c] = uint16_t(std::clamp(base * (0.85 + 0.1 * c) + grain(rng), 0.0, 65535.0));
    }
  return img;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

int bench_mark(int frames) {
  auto layout = std::make_shared<MarkLayout>(WatermarkKey{});
  MarkOptions options;
  options.record = 0x123456;
  const WatermarkStage stage(layout, options);
  const Rgb48Image source = textured_4k();
  const size_t values = source.pixel_count() * 3;
  Rgb48Image work(3840, 2160);
  std::copy(source.data(), source.data() + values, work.data());
  (void)stage.apply(0, work);  // makes the epoch's tile (once per 4 s of output)

  std::vector<double> one, copy_ms, cv_ms;
  cv::Mat src(2160, 3840, CV_16UC3, const_cast<uint16_t*>(source.data()));
  cv::Mat delta(2160, 3840, CV_16SC3), out;
  cv::randn(delta, 0, 400);
  for (int i = 0; i < frames; ++i) {
    auto t0 = bench::Clock::now();
    std::copy(source.data(), source.data() + values, work.data());
    auto t1 = bench::Clock::now();
    (void)stage.apply(i % 96, work);
    auto t2 = bench::Clock::now();
    cv::add(src, delta, out, cv::noArray(), CV_16UC3);
    auto t3 = bench::Clock::now();
    copy_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    one.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    cv_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
  }
  // Two frames at once, as the renderer's pipeline runs the stage: one per core.
  std::vector<Rgb48Image> pair(2, Rgb48Image(3840, 2160));
  auto t0 = bench::Clock::now();
  tbb::task_arena arena(2);
  arena.execute([&] {
    tbb::parallel_for(0, frames, [&](int i) {
      Rgb48Image& img = pair[size_t(tbb::this_task_arena::current_thread_index() % 2)];
      std::copy(source.data(), source.data() + values, img.data());
      (void)stage.apply(i % 96, img);
    });
  });
  const double both = bench::ms_since(t0) / frames;
  std::printf("4K RGB48 frame, %d frames\n", frames);
  std::printf("  watermark stage, 1 thread:       median %.2f ms  p99 %.2f ms\n",
              percentile(one, 0.5), percentile(one, 0.99));
  std::printf("  watermark stage, 2 threads:      %.2f ms per frame (copy included, %.2f ms)\n",
              both, percentile(copy_ms, 0.5));
  std::printf("  peer: cv::add of a delta frame:  median %.2f ms  p99 %.2f ms\n",
              percentile(cv_ms, 0.5), percentile(cv_ms, 0.99));
  return 0;
}

// Luma of `seconds` of `file` from `start`, decoded by FFmpeg's command (not framelock's reader),
// and the frame rate (the file's, or 24 if it has none).
std::vector<std::vector<uint8_t>> luma_frames(const std::string& file, double start, double seconds,
                                              const std::string& filter, int& w, int& h,
                                              double* fps = nullptr) {
  const std::string probe =
      "ffprobe -v error -select_streams v -show_entries stream=width,height,r_frame_rate "
      "-of csv=p=0 " +
      file;
  FILE* p = popen(probe.c_str(), "r");
  int num = 0, den = 0;
  if (!p || std::fscanf(p, "%d,%d,%d/%d", &w, &h, &num, &den) < 2) w = h = 0;
  if (fps) *fps = num > 0 && den > 0 ? double(num) / den : 24.0;
  if (p) pclose(p);
  std::vector<std::vector<uint8_t>> frames;
  if (w <= 0) return frames;
  char cmd[1024];
  std::snprintf(cmd, sizeof cmd,
                "ffmpeg -nostdin -v error -ss %.3f -i %s -t %.3f %s -f rawvideo -pix_fmt gray -",
                start, file.c_str(), seconds, filter.c_str());
  FILE* f = popen(cmd, "r");
  if (!f) return frames;
  std::vector<uint8_t> frame(size_t(w) * size_t(h));
  while (std::fread(frame.data(), 1, frame.size(), f) == frame.size()) frames.push_back(frame);
  pclose(f);
  return frames;
}

int bench_null(int detections, int keys_per_excerpt, uint64_t seed) {
  const std::string data = "/usr/share/doc/opencv-doc/examples/data/";
  struct Clip {
    std::string file;
    double seconds;
  };
  const std::vector<Clip> clips = {{data + "Megamind.avi", 11.0}, {data + "vtest.avi", 79.0}};
  const std::vector<std::string> attacks = {"", "-vf scale=iw*0.45:-2", "-vf eq=contrast=1.3"};
  std::mt19937_64 rng(seed);
  long attempts = 0, near = 0, accepted = 0, informed_accepted = 0;
  int64_t hypotheses = 0, over3 = 0, over4 = 0;
  std::vector<double> z, data_z, informed_p;
  const DetectOptions options;  // as shipped: every detection the CLI would make
  std::vector<std::vector<uint8_t>> frames;
  int w = 0, h = 0;
  double fps = 24;
  const int per_excerpt = std::max(1, keys_per_excerpt);
  for (int d = 0; d < detections; d += per_excerpt) {
    // Each excerpt is read with several keys: the folds, which do not depend on the key, are
    // made once (detect_keys); each key's search, decode and informed tests are its own.
    const Clip& clip = clips[rng() % clips.size()];
    const double start = std::uniform_real_distribution<double>(0, clip.seconds - 2.2)(rng);
    frames = luma_frames(clip.file, start, 2.0, attacks[rng() % attacks.size()], w, h, &fps);
    std::vector<std::shared_ptr<const MarkLayout>> keys;
    for (int k = 0; k < std::min(per_excerpt, detections - d); ++k) {
      WatermarkKey key;
      for (auto& b : key.secret) b = uint8_t(rng());
      keys.push_back(std::make_shared<MarkLayout>(key));
    }
    WatermarkDetector detector(keys.front(), options);
    for (size_t i = 0; i < frames.size(); ++i)
      detector.add_frame(frames[i].data(), w, h, size_t(w), double(i) / fps);
    // A ledger of 256 outputs of 15 epochs (an hour of 4 s epochs in all) for informed detection.
    std::vector<IssuedMark> ledger(256);
    for (auto& m : ledger) m = {rng() & kMaxRecord, 15};
    for (const Detection& r : detector.detect_keys(keys, ledger)) {
      attempts += r.attempts;
      near += r.near_misses;
      accepted += r.found && !r.informed;
      informed_accepted += r.informed;
      hypotheses += r.hypotheses;
      over3 += r.over3;
      over4 += r.over4;
      data_z.push_back(r.data_z);
      informed_p.push_back(r.false_positive);
      z.push_back(r.pilot_z);
    }
    std::fprintf(stderr,
                 "%zu detections: %ld attempts, %ld near misses, %ld accepted; %lld hypotheses, "
                 "%lld above 3, %lld above 4, %ld named\n",
                 z.size(), attempts, near, accepted, (long long)hypotheses, (long long)over3,
                 (long long)over4, informed_accepted);
  }
  std::printf("null trials: %d detections on unmarked footage, each with a random key\n",
              detections);
  std::printf("  payloads accepted:  %ld\n", accepted);
  std::printf("  decode attempts:    %ld (each passes with probability 2^-44 under the model)\n",
              attempts);
  std::printf("  near misses:        %ld (top 8 check bits right; the model expects %.1f)\n", near,
              double(attempts) / 256.0);
  std::printf("  pilot z, best per detection: median %.2f  p99 %.2f  max %.2f\n",
              percentile(z, 0.5), percentile(z, 0.99), percentile(z, 1.0));
  std::printf("  false-positive bound per detection: %.1e (mean attempts %.0f x 2^-44)\n",
              double(attempts) / detections * kFalseAcceptPerAttempt,
              double(attempts) / detections);
  // Informed: the hypotheses' correlations should be no heavier-tailed than a unit normal's.
  std::printf("informed (a ledger of 256 outputs x 15 epochs per detection):\n");
  std::printf("  payloads named:     %ld\n", informed_accepted);
  std::printf(
      "  hypotheses:         %lld; above z 3: %lld, above 4: %lld (a unit normal: %.0f, "
      "%.1f)\n",
      (long long)hypotheses, (long long)over3, (long long)over4, double(hypotheses) * 1.35e-3,
      double(hypotheses) * 3.167e-5);
  std::printf("  data z, best per detection: median %.2f  p99 %.2f  max %.2f\n",
              percentile(data_z, 0.5), percentile(data_z, 0.99), percentile(data_z, 1.0));
  std::printf("  reported false-positive probability: smallest %.2e (names a payload at %.0e)\n",
              percentile(informed_p, 0.0), kInformedMaxFalsePositive);
  return 0;
}

// How much the mark changes flat areas (skies, walls, grey cards), where a pattern would show.
int bench_flat(const std::string& marked, const std::string& ref) {
  int w = 0, h = 0, w2 = 0, h2 = 0;
  // The Y plane's code values as an encoder gets them (yuv444p), not a full-range gray that would
  // stretch each step by 255/219 and round one-code changes into two.
  const auto a = luma_frames(marked, 0, 1e6, "-vf format=yuv444p,extractplanes=y", w, h);
  const auto b = luma_frames(ref, 0, 1e6, "-vf format=yuv444p,extractplanes=y", w2, h2);
  if (a.empty() || a.size() != b.size() || w != w2 || h != h2) {
    std::fprintf(stderr, "flat: '%s' and '%s' differ in size or length\n", marked.c_str(),
                 ref.c_str());
    return 1;
  }
  struct Tally {
    long blocks = 0, pixels = 0, moved_2 = 0;
    double sum_sq = 0;
    int max_abs = 0;
    // Where the largest change is: frame, x, y, and the unmarked value there.
    size_t at_frame = 0;
    int at_x = 0, at_y = 0, at_value = 0;
  };
  Tally flat1, flat2, all;
  long total_blocks = 0;
  constexpr int kBlock = 16;
  for (size_t f = 0; f < a.size(); ++f)
    for (int by = 0; by + kBlock <= h; by += kBlock)
      for (int bx = 0; bx + kBlock <= w; bx += kBlock) {
        double s = 0, s2 = 0;
        for (int y = by; y < by + kBlock; ++y)
          for (int x = bx; x < bx + kBlock; ++x) {
            const double v = b[f][size_t(y) * size_t(w) + size_t(x)];
            s += v;
            s2 += v * v;
          }
        const double n = kBlock * kBlock, mean = s / n;
        const double sigma = std::sqrt(std::max(0.0, s2 / n - mean * mean));
        ++total_blocks;
        for (Tally* t : {&all, sigma < 1.0 ? &flat1 : nullptr, sigma < 2.0 ? &flat2 : nullptr}) {
          if (!t) continue;
          ++t->blocks;
          for (int y = by; y < by + kBlock; ++y)
            for (int x = bx; x < bx + kBlock; ++x) {
              const size_t i = size_t(y) * size_t(w) + size_t(x);
              const int d = int(a[f][i]) - int(b[f][i]);
              t->sum_sq += double(d) * d;
              if (std::abs(d) > t->max_abs) {
                t->max_abs = std::abs(d);
                t->at_frame = f;
                t->at_x = x;
                t->at_y = y;
                t->at_value = b[f][i];
              }
              t->moved_2 += std::abs(d) >= 2;
              ++t->pixels;
            }
        }
      }
  std::printf("flat areas: %s against %s, %zu frames of %dx%d, %ld blocks of 16x16\n",
              marked.c_str(), ref.c_str(), a.size(), w, h, total_blocks);
  auto line = [&](const char* name, const Tally& t) {
    if (t.pixels == 0) {
      std::printf("  %-22s none\n", name);
      return;
    }
    std::printf("  %-22s %6.2f%% of blocks  RMS change %.3f  max |change| %d  moved >= 2: %.4f%%\n",
                name, 100.0 * double(t.blocks) / double(total_blocks),
                std::sqrt(t.sum_sq / double(t.pixels)), t.max_abs,
                100.0 * double(t.moved_2) / double(t.pixels));
    std::printf("  %-22s largest at frame %zu, (%d, %d), unmarked Y %d\n", "", t.at_frame, t.at_x,
                t.at_y, t.at_value);
  };
  line("sigma < 1 (flat)", flat1);
  line("sigma < 2 (near flat)", flat2);
  line("all blocks", all);

  // Flicker: the mark turns over in time (mark_sign), so its change from one frame to the next,
  // where the picture itself stands still (blocks whose unmarked values move by less than 2
  // codes on average), against the footage's own change there (grain, compression noise).
  double mark_sq = 0, own_sq = 0, worst_pair = 0;
  long still = 0;
  size_t worst_at = 0;
  for (size_t f = 1; f < a.size(); ++f) {
    double pair_sq = 0;
    long pair_n = 0;
    for (int by = 0; by + kBlock <= h; by += kBlock)
      for (int bx = 0; bx + kBlock <= w; bx += kBlock) {
        double moved = 0;
        for (int y = by; y < by + kBlock; ++y)
          for (int x = bx; x < bx + kBlock; ++x) {
            const size_t i = size_t(y) * size_t(w) + size_t(x);
            moved += std::abs(int(b[f][i]) - int(b[f - 1][i]));
          }
        if (moved / (kBlock * kBlock) >= 2.0) continue;
        for (int y = by; y < by + kBlock; ++y)
          for (int x = bx; x < bx + kBlock; ++x) {
            const size_t i = size_t(y) * size_t(w) + size_t(x);
            const double own = double(b[f][i]) - b[f - 1][i];
            const double mark = (double(a[f][i]) - b[f][i]) - (double(a[f - 1][i]) - b[f - 1][i]);
            mark_sq += mark * mark;
            own_sq += own * own;
            pair_sq += mark * mark;
            ++pair_n;
          }
        still += kBlock * kBlock;
      }
    if (pair_n > 0 && std::sqrt(pair_sq / double(pair_n)) > worst_pair) {
      worst_pair = std::sqrt(pair_sq / double(pair_n));
      worst_at = f;
    }
  }
  if (still > 0)
    std::printf(
        "  still blocks, frame to frame: the mark's change RMS %.3f (worst pair %.3f, "
        "frames %zu-%zu); the footage's own %.3f\n",
        std::sqrt(mark_sq / double(still)), worst_pair, worst_at - 1, worst_at,
        std::sqrt(own_sq / double(still)));
  return 0;
}

double duration_of(const std::string& file) {
  const std::string probe =
      "ffprobe -v error -show_entries format=duration -of csv=p=0 '" + file + "'";
  FILE* p = popen(probe.c_str(), "r");
  double d = 0;
  if (!p || std::fscanf(p, "%lf", &d) != 1) d = 0;
  if (p) pclose(p);
  return d;
}

int bench_read(const std::string& file, const std::string& key_file, uint64_t record,
               int excerpts) {
  auto key = read_watermark_key(key_file);
  const double seconds = duration_of(file);
  if (!key.ok() || seconds < 2.2) {
    std::fprintf(stderr, "read: cannot use '%s' or '%s'\n", file.c_str(), key_file.c_str());
    return 1;
  }
  auto layout = std::make_shared<MarkLayout>(*key);
  std::mt19937_64 rng(record);
  // A ledger of 256 outputs as long as this file, the marked one among them: what informed
  // detection tests when the blind decode finds nothing.
  const uint32_t epochs = uint32_t(std::ceil(seconds / kEpochSeconds));
  std::vector<IssuedMark> ledger = {{record, epochs}};
  while (ledger.size() < 256) ledger.push_back({rng() & kMaxRecord, epochs});
  int blind = 0, informed = 0;
  double ms = 0;
  std::vector<double> z, data_z;
  for (int e = 0; e < excerpts; ++e) {
    const double start = std::uniform_real_distribution<double>(0, seconds - 2.2)(rng);
    int w = 0, h = 0;
    double fps = 24;
    const auto frames = luma_frames(file, start, 2.0, "", w, h, &fps);
    WatermarkDetector detector(layout);
    const auto t0 = bench::Clock::now();
    for (size_t i = 0; i < frames.size(); ++i)
      detector.add_frame(frames[i].data(), w, h, size_t(w), double(i) / fps);
    const Detection r = detector.detect(ledger);
    ms += bench::ms_since(t0);
    const bool exact = r.found && r.payload.record == record;
    blind += exact && !r.informed;
    informed += exact && r.informed;
    z.push_back(r.pilot_z);
    if (r.hypotheses) data_z.push_back(r.data_z);
    std::printf("  %6.2f s: %-8s pilot z %.1f", start,
                !exact       ? (r.found ? "WRONG" : "-")
                : r.informed ? "informed"
                             : "blind",
                r.pilot_z);
    if (r.hypotheses)
      std::printf("  data z %.1f of %lld hypotheses (p %.1e)", r.data_z, (long long)r.hypotheses,
                  r.false_positive);
    std::printf("\n");
  }
  std::printf("%s: %d excerpts, pilot z median %.1f\n", file.c_str(), excerpts, percentile(z, 0.5));
  std::printf("  exact: %d/%d blind, %d more informed (a ledger of %zu outputs of %u epochs)\n",
              blind, excerpts, informed, ledger.size(), epochs);
  if (!data_z.empty())
    std::printf("  informed data z: min %.1f median %.1f\n", percentile(data_z, 0.0),
                percentile(data_z, 0.5));
  std::printf("  %.0f ms per detection (decoding excluded)\n", ms / excerpts);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "mark";
  const int n = argc > 2 ? std::atoi(argv[2]) : 0;
  if (mode == "mark") return bench_mark(n > 0 ? n : 60);
  if (mode == "null")
    return bench_null(n > 0 ? n : 200, argc > 3 ? std::atoi(argv[3]) : 1,
                      argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 20261207);
  if (mode == "flat" && argc == 4) return bench_flat(argv[2], argv[3]);
  if (mode == "read" && argc >= 5)
    return bench_read(argv[2], argv[3], std::strtoull(argv[4], nullptr, 16),
                      argc > 5 ? std::atoi(argv[5]) : 10);
  std::fprintf(
      stderr,
      "usage: bench_watermark mark [FRAMES] | null [DETECTIONS [KEYS_PER_EXCERPT [SEED]]] | flat "
      "MARKED REF | read FILE KEY "
      "RECORD [EXCERPTS]\n");
  return 2;
}
