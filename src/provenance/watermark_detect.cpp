#include "provenance/watermark_detect.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <deque>

#include <tbb/parallel_for.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "provenance/payload_code.h"
#include "provenance/watermark_spectra.h"

namespace fl::provenance {

namespace {

using namespace detail;

// Frames taller than this are brought down to kWorkHeight first: the mark's finest period is
// 1/32 of a tile of about half the picture's height, so nothing of it is lost, and a 4K excerpt
// costs what an SD one does.
constexpr int kMaxWorkHeight = 600, kWorkHeight = 576;
// Frames are summed in groups of this many, so that an excerpt that crosses an epoch (where the
// payload changes) can be split and decoded in two parts.
constexpr int kChunkFrames = 4;

int odd(double v) { return std::max(3, int(std::lround(v)) | 1); }

// Three box filters: a Gaussian of about `size` / 2 at a cost independent of its size.
cv::Mat smooth(const cv::Mat& in, int size) {
  cv::Mat a, b;
  cv::boxFilter(in, a, CV_32F, {size, size}, {-1, -1}, true, cv::BORDER_REFLECT);
  cv::boxFilter(a, b, CV_32F, {size, size}, {-1, -1}, true, cv::BORDER_REFLECT);
  cv::boxFilter(b, a, CV_32F, {size, size}, {-1, -1}, true, cv::BORDER_REFLECT);
  return a;
}

struct Candidate {
  double z = 0, tile = 0;
  double angle = 0;  // degrees the picture was turned (the residual is turned back by it)
  double phase = 0;  // where the mark's turn over time is: the quadratures' mix, in radians
  int salt = 0;
  cv::Point2d shift;  // where the tile starts in the fold, to a fraction of a pixel
};

// What a detection needs of one key: its layout and the spectra of its kSalts pilots.
struct Keyed {
  std::shared_ptr<const MarkLayout> layout;
  std::vector<cv::Mat> pilots;         // [salt]: the pilot tile's spectrum
  std::vector<cv::Mat> coarse_pilots;  // [salt]: its band (band_of)

  explicit Keyed(std::shared_ptr<const MarkLayout> l) : layout(std::move(l)) {
    for (int salt = 0; salt < kSalts; ++salt) {
      const std::vector<float>& t = layout->pilot_tile(salt);
      cv::Mat tile(kTileRef, kTileRef, CV_32F, const_cast<float*>(t.data())), spec;
      cv::dft(tile, spec, cv::DFT_COMPLEX_OUTPUT);
      pilots.push_back(spec);
      coarse_pilots.push_back(band_of(spec));
    }
  }
};

}  // namespace

struct WatermarkDetector::State {
  std::shared_ptr<const MarkLayout> layout;
  std::unique_ptr<Keyed> own;  // layout's, made at the first detect()
  DetectOptions options;
  int width = 0, height = 0;  // of the frames as given
  double work_scale = 1.0;    // working size / given size
  Sums sum;
  std::vector<Sums> chunks;
  Sums chunk;
  int in_chunk = 0, frames = 0;

  // The residual turned by -`degrees` about its centre, back to where the mark was made; the
  // corners it leaves are 0 (no evidence).
  std::vector<Detection> search(const std::vector<const Keyed*>& keys,
                                std::span<const IssuedMark> issued);
  // One key's detection from its coarse candidates: refined, decoded blind, then informed.
  Detection finish(const Keyed& key, std::vector<Candidate>& coarse, const Quadratures& whole,
                   const std::vector<Sums>& chunks, bool search_turns,
                   std::span<const IssuedMark> issued) const;

  static cv::Mat turned(const cv::Mat& image, double degrees) {
    if (degrees == 0) return image;
    const cv::Mat m = cv::getRotationMatrix2D(
        {0.5f * float(image.cols - 1), 0.5f * float(image.rows - 1)}, -degrees, 1.0);
    cv::Mat out;
    cv::warpAffine(image, out, m, image.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    return out;
  }

  // The frames' residual, resampled so that a tile of `tile` working pixels becomes kTileRef,
  // and folded onto one tile.
  cv::Mat fold(const cv::Mat& image, double tile) const {
    const double r = kTileRef / tile;
    cv::Mat resized;
    cv::resize(image, resized, {}, r, r, r < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::Mat out = cv::Mat::zeros(kTileRef, kTileRef, CV_32F);
    for (int y = 0; y < resized.rows; ++y) {
      const float* in = resized.ptr<float>(y);
      float* o = out.ptr<float>(y % kTileRef);
      for (int x = 0; x < resized.cols; ++x) o[x % kTileRef] += in[x];
    }
    return out;
  }

  // The pilot's correlation with both quadratures at every offset, and their length: its peak,
  // its z-score (against the surfaces' own spread; without a mark the squared length over the
  // variance is chi-square with 2 degrees of freedom) and the phase of the turn there. With
  // `coarse`, `white` is a band_of pair, and the surfaces a quarter of the points: the search
  // ranks candidates this way, and the refinement places them at full resolution.
  static Candidate correlate(const Keyed& key, const WhitePair& white, int salt, double tile,
                             bool coarse = false) {
    const cv::Mat& pilot = (coarse ? key.coarse_pilots : key.pilots)[size_t(salt)];
    cv::Mat product, sa, sb;
    cv::mulSpectrums(white.a, pilot, product, 0, true);
    cv::dft(product, sa, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT);
    cv::mulSpectrums(white.b, pilot, product, 0, true);
    cv::dft(product, sb, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT);
    cv::Mat length = sa.mul(sa) + sb.mul(sb);
    double peak = 0;
    cv::Point at;
    cv::minMaxLoc(length, nullptr, &peak, nullptr, &at);
    const double variance = cv::mean(length)[0] / 2;
    Candidate c;
    c.z = variance > 0 ? std::sqrt(peak / variance) : 0;
    c.tile = tile;
    c.salt = salt;
    c.phase = std::atan2(sb.at<float>(at), sa.at<float>(at));
    c.shift = subpixel_peak(length, at);
    return c;
  }

  WhitePair white(const Quadratures& q, double tile, double angle) const {
    return whiten(fold(turned(q.a, angle), tile), fold(turned(q.b, angle), tile));
  }

  // The data chips of `white` at the pilot's offset, summed per coded bit, and decoded to the
  // list of the most likely words.
  std::vector<DecodedWord> decode(const MarkLayout& layout, const cv::Mat& white,
                                  const Candidate& c) const {
    return decode_words(soft_bits(layout, white, c), options.list_size);
  }

  // The data chips of `white` (a whitened spectrum) at the pilot's offset, summed per coded bit
  // with their keyed signs: > 0 where a 1 is more likely.
  static std::vector<float> soft_bits(const MarkLayout& layout, const cv::Mat& white,
                                      const Candidate& c) {
    cv::Mat g;
    cv::dft(shifted(white, c.shift), g, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT);
    std::vector<float> soft(size_t(kCodedBits), 0.f);
    const int chip = kTileRef / kChipsPerSide;
    for (int cy = 0; cy < kChipsPerSide; ++cy)
      for (int cx = 0; cx < kChipsPerSide; ++cx) {
        const int index = cy * kChipsPerSide + cx, bit = layout.bit_of(index);
        if (bit < 0) continue;
        float v = 0;
        for (int dy = 0; dy < chip; ++dy) {
          const float* row = g.ptr<float>(cy * chip + dy);
          for (int dx = 0; dx < chip; ++dx) v += row[cx * chip + dx];
        }
        soft[size_t(bit)] += layout.data_sign(index) * v;
      }
    return soft;
  }
};

WatermarkDetector::WatermarkDetector(std::shared_ptr<const MarkLayout> layout,
                                     DetectOptions options)
    : state_(std::make_unique<State>()) {
  state_->layout = std::move(layout);
  state_->options = options;
}
WatermarkDetector::~WatermarkDetector() = default;
WatermarkDetector::WatermarkDetector(WatermarkDetector&&) noexcept = default;

int WatermarkDetector::frames() const { return state_->frames; }

void WatermarkDetector::add_frame(const uint8_t* luma, int width, int height, size_t stride,
                                  double seconds) {
  State& s = *state_;
  if (s.width == 0) {
    s.width = width;
    s.height = height;
    s.work_scale = height > kMaxWorkHeight ? double(kWorkHeight) / height : 1.0;
  }
  if (width != s.width || height != s.height || width < 16 || height < 16) return;
  cv::Mat y8(height, width, CV_8U, const_cast<uint8_t*>(luma), stride), y;
  y8.convertTo(y, CV_32F);
  cv::Scalar mean, sd;
  cv::meanStdDev(y, mean, sd);
  if (sd[0] < 3.0) return;  // black or flat: nothing to read, only noise to add
  if (s.work_scale != 1.0) cv::resize(y, y, {}, s.work_scale, s.work_scale, cv::INTER_AREA);
  const int small = std::min(y.rows, y.cols);
  // A high-pass of about 1/80 of the picture: the host's low frequencies, where it is strongest,
  // drown the mark's lower band, and its upper band is what is left after a re-encode anyway
  // (tuned on re-encoded Megamind: z per coded bit 1.05 with a pass of 1/6, 1.72 with this).
  cv::Mat high = y - smooth(y, odd(0.012 * small));
  cv::Mat activity = smooth(cv::abs(high), odd(0.015 * small)), r;
  activity += 0.5;
  cv::divide(high, activity, r);
  r = cv::min(cv::max(r, -3.0), 3.0);
  s.sum.add(r, seconds);
  s.chunk.add(r, seconds);
  ++s.frames;
  if (++s.in_chunk == kChunkFrames) {
    s.chunks.push_back(std::move(s.chunk));
    s.chunk = {};
    s.in_chunk = 0;
  }
}

Detection WatermarkDetector::detect(std::span<const IssuedMark> issued) const {
  State& s = *state_;
  if (!s.own) s.own = std::make_unique<Keyed>(s.layout);
  return s.search({s.own.get()}, issued)[0];
}

std::vector<Detection> WatermarkDetector::detect_keys(
    std::span<const std::shared_ptr<const MarkLayout>> layouts,
    std::span<const IssuedMark> issued) const {
  std::vector<std::unique_ptr<Keyed>> keyed(layouts.size());
  tbb::parallel_for(size_t(0), layouts.size(),
                    [&](size_t k) { keyed[k] = std::make_unique<Keyed>(layouts[k]); });
  std::vector<const Keyed*> keys;
  for (const auto& k : keyed) keys.push_back(k.get());
  return state_->search(keys, issued);
}

std::vector<Detection> WatermarkDetector::State::search(const std::vector<const Keyed*>& keys,
                                                        std::span<const IssuedMark> issued) {
  State& s = *this;
  if (s.frames < 2) {  // one frame has no turn over time to weigh
    std::vector<Detection> none(keys.size());
    for (Detection& d : none) d.frames = s.frames;
    return none;
  }
  std::vector<Sums> chunks = s.chunks;
  if (s.in_chunk > 0) chunks.push_back(s.chunk);
  const Quadratures whole = s.sum.quadratures();

  const double height = whole.a.rows;
  const double lo = std::max(72.0, s.options.min_tile * height);
  const double hi = std::max(lo, s.options.max_tile * height);
  std::vector<double> tiles;
  for (double tile = lo; tile <= hi; tile *= 1 + s.options.scale_step) tiles.push_back(tile);
  std::vector<double> angles = {0.0};
  for (double a = s.options.rotation_step;
       s.options.rotation_step > 0 && a <= s.options.max_rotation + 1e-9;
       a += s.options.rotation_step) {
    angles.push_back(a);
    angles.push_back(-a);
  }
  std::vector<Quadratures> turns(angles.size());
  tbb::parallel_for(size_t(0), angles.size(), [&](size_t i) {
    turns[i] = {State::turned(whole.a, angles[i]), State::turned(whole.b, angles[i])};
  });
  // The folds and their whitening do not depend on the key: made once, correlated with every
  // key's pilots.
  std::vector<std::vector<Candidate>> coarse(
      keys.size(), std::vector<Candidate>(angles.size() * tiles.size() * kSalts));
  tbb::parallel_for(size_t(0), angles.size() * tiles.size(), [&](size_t i) {
    const size_t turn = i / tiles.size();
    const double tile = tiles[i % tiles.size()];
    const WhitePair w = s.white(turns[turn], tile, 0);
    const WhitePair band{band_of(w.a), band_of(w.b)};
    for (size_t k = 0; k < keys.size(); ++k)
      for (int salt = 0; salt < kSalts; ++salt) {
        Candidate& c = coarse[k][i * kSalts + size_t(salt)];
        c = correlate(*keys[k], band, salt, tile, true);
        c.angle = angles[turn];
      }
  });
  std::vector<Detection> found(keys.size());
  tbb::parallel_for(size_t(0), keys.size(), [&](size_t k) {
    found[k] = finish(*keys[k], coarse[k], whole, chunks, angles.size() > 1, issued);
  });
  return found;
}

Detection WatermarkDetector::State::finish(const Keyed& key, std::vector<Candidate>& coarse,
                                           const Quadratures& whole,
                                           const std::vector<Sums>& chunks, bool search_turns,
                                           std::span<const IssuedMark> issued) const {
  const State& s = *this;
  Detection out;
  out.frames = s.frames;
  std::sort(coarse.begin(), coarse.end(),
            [](const Candidate& a, const Candidate& b) { return a.z > b.z; });
  // The best candidates whose salt passes `wanted`, one per (salt, size, turn).
  auto pick = [&](int count, auto wanted) {
    std::vector<Candidate> picked;
    for (const Candidate& c : coarse) {
      if (int(picked.size()) >= count) break;
      if (!wanted(c.salt)) continue;
      const bool near = std::any_of(picked.begin(), picked.end(), [&](const Candidate& p) {
        return p.salt == c.salt && std::abs(std::log(p.tile / c.tile)) < 0.02 &&
               std::abs(p.angle - c.angle) <= s.options.rotation_step;
      });
      if (!near) picked.push_back(c);
    }
    return picked;
  };
  if (!coarse.empty()) out.pilot_z = coarse.front().z;

  // Refine the size around the coarse peak (a finer step keeps the far tiles in register), and
  // the angle, when turns are searched, to a quarter of its step.
  auto refine = [&](Candidate& c) {
    WhitePair best;
    const double centre = c.tile, turn = c.angle;
    const double fine_turn = s.options.rotation_step / 4;
    const int fine_turns = search_turns ? 1 : 0;
    for (int k = -fine_turns; k <= fine_turns; ++k) {
      const double angle = turn + k * fine_turn;
      const Quadratures turned{State::turned(whole.a, angle), State::turned(whole.b, angle)};
      for (int i = -6; i <= 6; ++i) {
        const double tile = centre * (1 + 0.001 * i);
        WhitePair w = s.white(turned, tile, 0);
        Candidate r = correlate(key, w, c.salt, tile);
        r.angle = angle;
        if (best.a.empty() || r.z > c.z) {
          c = r;
          best = std::move(w);
        }
      }
    }
    return best;
  };

  // Refined once, whether blind decoding or informed detection asks first.
  struct Refined {
    Candidate coarse, c;
    WhitePair white;
  };
  std::deque<Refined> refined;
  auto refined_for = [&](const Candidate& coarse_candidate) -> const Refined& {
    for (const Refined& r : refined)
      if (r.coarse.salt == coarse_candidate.salt && r.coarse.tile == coarse_candidate.tile &&
          r.coarse.angle == coarse_candidate.angle)
        return r;
    Refined& r = refined.emplace_back(Refined{coarse_candidate, coarse_candidate, {}});
    r.white = refine(r.c);
    return r;
  };

  for (const Candidate& picked : s.options.blind
                                     ? pick(s.options.candidates, [](int) { return true; })
                                     : std::vector<Candidate>{}) {
    const Refined& r = refined_for(picked);
    const Candidate& c = r.c;
    const WhitePair& best = r.white;
    out.pilot_z = std::max(out.pilot_z, c.z);
    auto accept = [&](const std::vector<DecodedWord>& words) {
      for (const DecodedWord& d : words) {
        ++out.attempts;
        const uint32_t check = key.layout->key().check(d.payload);
        out.near_misses += (check >> 24) == (d.check >> 24);
        if (check != d.check) continue;
        const WatermarkPayload p = WatermarkPayload::unpack(key.layout->unscramble(d.payload));
        if (p.version != kMarkVersion || key.layout->salt_for(p.record) != c.salt) continue;
        out.found = true;
        out.payload = p;
        out.agreement = d.agreement;
        out.salt = c.salt;
        out.tile_px = c.tile / s.work_scale;
        out.rotation = c.angle;
        out.pilot_z = c.z;
        return true;
      }
      return false;
    };
    if (accept(s.decode(*key.layout, best.mix(c.phase), c))) break;
    // The excerpt may cross an epoch: decode the parts before and after each chunk boundary,
    // at the phase the whole excerpt gave (the turn runs on across epochs).
    if (chunks.size() > 1) {
      bool done = false;
      Sums before;
      for (size_t j = 1; j < chunks.size() && !done; ++j) {
        before.add(chunks[j - 1]);
        const Sums after = s.sum.without(before);
        done = accept(s.decode(*key.layout,
                               s.white(before.quadratures(), c.tile, c.angle).mix(c.phase), c)) ||
               accept(s.decode(*key.layout,
                               s.white(after.quadratures(), c.tile, c.angle).mix(c.phase), c));
      }
      if (done) break;
    }
  }
  out.false_positive = 1.0 - std::pow(1.0 - kFalseAcceptPerAttempt, std::max(1, out.attempts));
  if (out.found || issued.empty()) return out;

  // Informed: each issued mark against the chunks' soft bits at the best offsets of the salts
  // the issued marks use, every chunk whitened with the whole excerpt's gains and read at its
  // phase, so that any run of chunks is the sum of theirs.
  IssuedCodes codes(*key.layout, issued);
  InformedTally tally;
  const double cos_mean = s.sum.cos_sum / s.sum.n, sin_mean = s.sum.sin_sum / s.sum.n;
  for (const Candidate& picked :
       pick(s.options.informed_candidates, [&](int salt) { return codes.any_for(salt); })) {
    const Refined& r = refined_for(picked);
    const Candidate& c = r.c;
    const WhitePair& best = r.white;
    std::vector<std::vector<float>> soft(chunks.size());
    tbb::parallel_for(size_t(0), chunks.size(), [&](size_t j) {
      const Quadratures q = chunks[j].quadratures(cos_mean, sin_mean);
      cv::Mat a, b;
      cv::dft(s.fold(State::turned(q.a, c.angle), c.tile), a, cv::DFT_COMPLEX_OUTPUT);
      cv::dft(s.fold(State::turned(q.b, c.angle), c.tile), b, cv::DFT_COMPLEX_OUTPUT);
      apply_gains(a, best.gain);
      apply_gains(b, best.gain);
      soft[j] = soft_bits(*key.layout, WhitePair{a, b, best.gain}.mix(c.phase), c);
    });
    const double before = tally.best_z;
    codes.score(soft, c.salt, tally);
    if (tally.best_z > before) {
      out.tile_px = c.tile / s.work_scale;
      out.rotation = c.angle;
      out.pilot_z = c.z;
    }
  }
  out.hypotheses = tally.hypotheses;
  out.over3 = tally.over3;
  out.over4 = tally.over4;
  out.data_z = tally.best_z;
  const double p = tally.false_positive();
  if (tally.hypotheses > 0 && p <= kInformedMaxFalsePositive) {
    out.found = out.informed = true;
    out.payload = tally.best;
    out.salt = tally.salt;
  }
  out.false_positive = std::min(1.0, out.false_positive + (tally.hypotheses ? p : 0));
  return out;
}

}  // namespace fl::provenance
