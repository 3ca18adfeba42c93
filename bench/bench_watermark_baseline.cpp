// A classical peer for the watermark's robustness matrix (issue 20; docs/benchmarks.md §15): a
// DWT-DCT mark with quantisation index modulation, the scheme of ShieldMnt/invisible-watermark's
// `dwtDct` (MIT; read, not copied) and of much of the literature before neural marks.
//
//   bench_watermark_baseline embed IN OUT HEX     marks every frame of IN with the 64-bit HEX
//                                                 payload, written as FFV1 (OUT, .mkv)
//   bench_watermark_baseline detect IN HEX [START [SECONDS]]
//                                                 reads the payload back from SECONDS (2) of IN
//                                                 from START (0) and prints bit accuracy, whether
//                                                 the 64 bits are exact, and the votes' margin
//
// The scheme: one-level Haar DWT of the luma; the low band cut into 4 x 4 blocks; in each block's
// 2-D DCT the AC coefficient of largest magnitude is moved to the centre of a quantiser bin that
// says 0 or 1 (step kStep); block k carries payload bit k mod 64. Detection is blind: each block
// votes by the bin its largest AC coefficient falls in, summed over frames. It has no sync: the
// block grid and the blocks per row must survive the attack, so crops and rescales break it, as
// its own README reports (crop and 50% resize fail). The step is set for the same luma PSNR as
// framelock's mark (about 44 dB: one coefficient per 8 x 8 pixels moved by up to step / 2).
// Frames travel through FFmpeg's command as raw yuv420p; only Y is touched.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace {

constexpr double kStep = 44.0;
constexpr int kBits = 64;

struct Plane {
  int w = 0, h = 0;
};

bool probe(const std::string& file, Plane& p) {
  const std::string cmd =
      "ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0 '" + file +
      "'";
  FILE* f = popen(cmd.c_str(), "r");
  const bool ok = f && std::fscanf(f, "%d,%d", &p.w, &p.h) == 2;
  if (f) pclose(f);
  return ok && p.w > 0 && p.h > 0;
}

std::array<int, kBits> payload_bits(const std::string& hex) {
  const uint64_t v = std::strtoull(hex.c_str(), nullptr, 16);
  std::array<int, kBits> bits{};
  for (int i = 0; i < kBits; ++i) bits[size_t(i)] = int((v >> (63 - i)) & 1);
  return bits;
}

// The position (in the 4 x 4 block) of the AC coefficient of largest magnitude.
cv::Point largest_ac(const cv::Mat& block) {
  cv::Point at(1, 0);
  float best = -1;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      if (x == 0 && y == 0) continue;
      const float m = std::abs(block.at<float>(y, x));
      if (m > best) best = m, at = {x, y};
    }
  return at;
}

// One-level orthonormal Haar DWT of `y` (even size): the low band, and the three others packed
// so the inverse can rebuild the plane.
void haar_forward(const cv::Mat& y, cv::Mat& ll, cv::Mat& lh, cv::Mat& hl, cv::Mat& hh) {
  const int h2 = y.rows / 2, w2 = y.cols / 2;
  ll.create(h2, w2, CV_32F), lh.create(h2, w2, CV_32F), hl.create(h2, w2, CV_32F),
      hh.create(h2, w2, CV_32F);
  for (int r = 0; r < h2; ++r)
    for (int c = 0; c < w2; ++c) {
      const float a = y.at<float>(2 * r, 2 * c), b = y.at<float>(2 * r, 2 * c + 1);
      const float d = y.at<float>(2 * r + 1, 2 * c), e = y.at<float>(2 * r + 1, 2 * c + 1);
      ll.at<float>(r, c) = (a + b + d + e) / 2;
      lh.at<float>(r, c) = (a - b + d - e) / 2;
      hl.at<float>(r, c) = (a + b - d - e) / 2;
      hh.at<float>(r, c) = (a - b - d + e) / 2;
    }
}

void haar_inverse(const cv::Mat& ll, const cv::Mat& lh, const cv::Mat& hl, const cv::Mat& hh,
                  cv::Mat& y) {
  for (int r = 0; r < ll.rows; ++r)
    for (int c = 0; c < ll.cols; ++c) {
      const float s = ll.at<float>(r, c), p = lh.at<float>(r, c), q = hl.at<float>(r, c),
                  t = hh.at<float>(r, c);
      y.at<float>(2 * r, 2 * c) = (s + p + q + t) / 2;
      y.at<float>(2 * r, 2 * c + 1) = (s - p + q - t) / 2;
      y.at<float>(2 * r + 1, 2 * c) = (s + p - q - t) / 2;
      y.at<float>(2 * r + 1, 2 * c + 1) = (s - p - q + t) / 2;
    }
}

// Calls `each(block_index, block)` with the 4 x 4 DCT of every block of the luma's low band; a
// block `each` changed is written back into the luma when `write` is set.
template <typename Each>
void for_each_block(uint8_t* luma, Plane p, bool write, Each each) {
  const cv::Rect even(0, 0, p.w & ~1, p.h & ~1);
  cv::Mat y8(p.h, p.w, CV_8U, luma), y;
  y8(even).convertTo(y, CV_32F);
  cv::Mat ll, lh, hl, hh;
  haar_forward(y, ll, lh, hl, hh);
  const int bw = ll.cols / 4, bh = ll.rows / 4;
  for (int by = 0; by < bh; ++by)
    for (int bx = 0; bx < bw; ++bx) {
      cv::Mat roi = ll(cv::Rect(bx * 4, by * 4, 4, 4)), block;
      cv::dct(roi, block);
      if (each(by * bw + bx, block) && write) cv::idct(block, roi);
    }
  if (!write) return;
  haar_inverse(ll, lh, hl, hh, y);
  y.convertTo(y8(even), CV_8U);  // rounds and saturates
}

// Moves each block's largest AC coefficient to the middle of a bin that says its bit.
void mark_luma(uint8_t* luma, Plane p, const std::array<int, kBits>& bits) {
  for_each_block(luma, p, true, [&](int index, cv::Mat& block) {
    const cv::Point at = largest_ac(block);
    const int bit = bits[size_t(index % kBits)];
    const float v = block.at<float>(at);
    const double m = std::floor(std::abs(v) / kStep);
    block.at<float>(at) = float((v < 0 ? -1 : 1) * (m + 0.25 + 0.5 * bit) * kStep);
    return true;
  });
}

// Adds each block's vote (+1 for a 1, -1 for a 0) to its payload bit.
void vote(uint8_t* luma, Plane p, std::array<double, kBits>& votes) {
  for_each_block(luma, p, false, [&](int index, cv::Mat& block) {
    const double v = std::abs(block.at<float>(largest_ac(block)));
    const double frac = v / kStep - std::floor(v / kStep);
    votes[size_t(index % kBits)] += frac > 0.5 ? 1 : -1;
    return false;
  });
}

int embed(const std::string& in, const std::string& out, const std::string& hex) {
  Plane p;
  if (!probe(in, p)) return std::fprintf(stderr, "cannot probe '%s'\n", in.c_str()), 1;
  const auto bits = payload_bits(hex);
  const std::string dec = "ffmpeg -nostdin -v error -i '" + in + "' -f rawvideo -pix_fmt yuv420p -";
  const std::string enc = "ffmpeg -nostdin -v error -y -f rawvideo -pix_fmt yuv420p -s " +
                          std::to_string(p.w) + "x" + std::to_string(p.h) +
                          " -r $(ffprobe -v error -select_streams v -show_entries "
                          "stream=r_frame_rate -of csv=p=0 '" +
                          in + "') -i - -c:v ffv1 '" + out + "'";
  FILE* r = popen(dec.c_str(), "r");
  FILE* wr = popen(enc.c_str(), "w");
  if (!r || !wr) return 1;
  const size_t luma = size_t(p.w) * size_t(p.h),
               frame = luma + 2 * (size_t((p.w + 1) / 2) * size_t((p.h + 1) / 2));
  std::vector<uint8_t> buf(frame);
  int frames = 0;
  while (std::fread(buf.data(), 1, frame, r) == frame) {
    mark_luma(buf.data(), p, bits);
    std::fwrite(buf.data(), 1, frame, wr);
    ++frames;
  }
  pclose(r);
  const int rc = pclose(wr);
  std::printf("marked %d frames of %dx%d with %s (DWT-DCT QIM, step %.0f)\n", frames, p.w, p.h,
              hex.c_str(), kStep);
  return rc == 0 ? 0 : 1;
}

int detect(const std::string& in, const std::string& hex, double start, double seconds) {
  Plane p;
  if (!probe(in, p)) return std::fprintf(stderr, "cannot probe '%s'\n", in.c_str()), 1;
  char cmd[1024];
  std::snprintf(cmd, sizeof cmd,
                "ffmpeg -nostdin -v error -ss %.3f -i '%s' -t %.3f -f rawvideo -pix_fmt gray -",
                start, in.c_str(), seconds);
  FILE* r = popen(cmd, "r");
  if (!r) return 1;
  std::vector<uint8_t> buf(size_t(p.w) * size_t(p.h));
  std::array<double, kBits> votes{};
  int frames = 0;
  while (std::fread(buf.data(), 1, buf.size(), r) == buf.size()) {
    vote(buf.data(), p, votes);
    ++frames;
  }
  pclose(r);
  const auto want = payload_bits(hex);
  int right = 0;
  double margin = 1e9;
  for (int i = 0; i < kBits; ++i) {
    const int got = votes[size_t(i)] > 0 ? 1 : 0;
    right += got == want[size_t(i)];
    margin = std::min(margin, std::abs(votes[size_t(i)]));
  }
  std::printf("{\"frames\": %d, \"bit_accuracy\": %.4f, \"exact\": %s, \"min_margin\": %.0f}\n",
              frames, right / double(kBits), right == kBits ? "true" : "false", margin);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "embed" && argc == 5) return embed(argv[2], argv[3], argv[4]);
  if (mode == "detect" && argc >= 4)
    return detect(argv[2], argv[3], argc > 4 ? std::atof(argv[4]) : 0.0,
                  argc > 5 ? std::atof(argv[5]) : 2.0);
  std::fprintf(stderr,
               "usage: bench_watermark_baseline embed IN OUT.mkv HEX | detect IN HEX [START "
               "[SECONDS]]\n");
  return 2;
}
