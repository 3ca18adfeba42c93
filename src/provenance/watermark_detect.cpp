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

namespace fl::provenance {

namespace {

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

// The frames' residual weighed by the two quadratures of the mark's turn (mark_sign's first
// harmonic), each with the frames' mean taken out: what stays still in the picture adds nothing.
struct Quadratures {
  cv::Mat a, b;
};

// Frames summed three ways (plain, and by the cosine and sine of the turn), with the sums of
// the weights: any run of them gives its Quadratures, so an excerpt can be split in time.
struct Sums {
  cv::Mat plain, cosine, sine;
  double n = 0, cos_sum = 0, sin_sum = 0;

  void add(const cv::Mat& r, double seconds) {
    const double angle = 2 * CV_PI * seconds / kTurnSeconds;
    const double c = std::cos(angle), si = std::sin(angle);
    if (plain.empty()) {
      plain = cv::Mat::zeros(r.size(), CV_32F);
      cosine = plain.clone();
      sine = plain.clone();
    }
    plain += r;
    cv::scaleAdd(r, c, cosine, cosine);
    cv::scaleAdd(r, si, sine, sine);
    n += 1;
    cos_sum += c;
    sin_sum += si;
  }
  void add(const Sums& o) {
    if (o.plain.empty()) return;
    if (plain.empty()) {
      *this = {o.plain.clone(), o.cosine.clone(), o.sine.clone(), o.n, o.cos_sum, o.sin_sum};
      return;
    }
    plain += o.plain;
    cosine += o.cosine;
    sine += o.sine;
    n += o.n;
    cos_sum += o.cos_sum;
    sin_sum += o.sin_sum;
  }
  // The sums of the frames in this and not in `part` (a run of them that starts it).
  Sums without(const Sums& part) const {
    if (part.plain.empty()) return *this;
    return {plain - part.plain, cosine - part.cosine,   sine - part.sine,
            n - part.n,         cos_sum - part.cos_sum, sin_sum - part.sin_sum};
  }
  Quadratures quadratures() const {
    return quadratures(cos_sum / std::max(1.0, n), sin_sum / std::max(1.0, n));
  }
  // With the means of a longer run: the parts of a run then add up to the run's own.
  Quadratures quadratures(double cos_mean, double sin_mean) const {
    Quadratures q;
    cv::scaleAdd(plain, -cos_mean, cosine, q.a);
    cv::scaleAdd(plain, -sin_mean, sine, q.b);
    return q;
  }
};

// The peak's position to a fraction of a pixel: a parabola through it and its neighbours on
// each axis (the surface wraps around).
cv::Point2d subpixel_peak(const cv::Mat& surface, cv::Point at) {
  const int n = surface.rows;
  auto v = [&](int y, int x) { return double(surface.at<float>((y + n) % n, (x + n) % n)); };
  auto offset = [](double left, double centre, double right) {
    const double d = left - 2 * centre + right;
    return d < 0 ? std::clamp(0.5 * (left - right) / d, -0.5, 0.5) : 0.0;
  };
  return {at.x + offset(v(at.y, at.x - 1), v(at.y, at.x), v(at.y, at.x + 1)),
          at.y + offset(v(at.y - 1, at.x), v(at.y, at.x), v(at.y + 1, at.x))};
}

// The spectrum of g(x + shift): a phase ramp, so a fractional shift costs nothing in sharpness.
// The ramp is the product of one per axis.
cv::Mat shifted(const cv::Mat& spectrum, cv::Point2d shift) {
  cv::Mat out = spectrum.clone();
  const int n = spectrum.rows;
  std::vector<std::complex<float>> ramp_x(static_cast<size_t>(n)), ramp_y(ramp_x.size());
  for (int i = 0; i < n; ++i) {
    const int f = i <= n / 2 ? i : i - n;
    ramp_x[size_t(i)] = std::polar(1.f, float(2 * CV_PI * f * shift.x / n));
    ramp_y[size_t(i)] = std::polar(1.f, float(2 * CV_PI * f * shift.y / n));
  }
  for (int y = 0; y < n; ++y) {
    auto* row = out.ptr<std::complex<float>>(y);
    for (int x = 0; x < n; ++x) row[x] *= ramp_y[size_t(y)] * ramp_x[size_t(x)];
  }
  return out;
}

// The whitened spectrum of a fold: each ring of frequencies in the band divided by its mean
// power (the matched filter in the fold's own noise), everything else 0.
// Which ring of the band each frequency of a kTileRef fold is on; -1 outside the band.
const std::vector<int8_t>& band_rings() {
  static const std::vector<int8_t> rings = [] {
    const int n = kTileRef;
    std::vector<int8_t> out(size_t(n) * size_t(n));
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const int fy = y <= n / 2 ? y : y - n, fx = x <= n / 2 ? x : x - n;
        const double r = std::hypot(double(fx), double(fy));
        out[size_t(y) * size_t(n) + size_t(x)] =
            int8_t(r < kBandLow || r > kBandHigh ? -1 : int(std::lround(r)));
      }
    return out;
  }();
  return rings;
}

// Both quadratures' folds get the same gains (their summed power), so that any mix of the two
// whitened spectra is the whitened spectrum of the same mix.
using RingGains = std::array<float, int(kBandHigh) + 2>;

// Each band frequency of `spectrum` times its ring's gain, everything else 0.
void apply_gains(cv::Mat& spectrum, const RingGains& gain) {
  const int n = kTileRef;
  const std::vector<int8_t>& rings = band_rings();
  for (int y = 0; y < n; ++y) {
    auto* row = spectrum.ptr<cv::Vec2f>(y);
    const int8_t* ring = rings.data() + size_t(y) * size_t(n);
    for (int x = 0; x < n; ++x)
      row[x] = ring[x] < 0 ? cv::Vec2f(0, 0) : row[x] * gain[size_t(ring[x])];
  }
}

struct WhitePair {
  cv::Mat a, b;
  RingGains gain{};
  cv::Mat mix(double phase) const {
    cv::Mat out;
    cv::addWeighted(a, std::cos(phase), b, std::sin(phase), 0, out);
    return out;
  }
};

WhitePair whiten(const cv::Mat& fold_a, const cv::Mat& fold_b) {
  WhitePair out;
  cv::dft(fold_a, out.a, cv::DFT_COMPLEX_OUTPUT);
  cv::dft(fold_b, out.b, cv::DFT_COMPLEX_OUTPUT);
  const int n = kTileRef;
  const std::vector<int8_t>& rings = band_rings();
  std::array<double, int(kBandHigh) + 2> power{};
  std::array<int, int(kBandHigh) + 2> count{};
  for (const cv::Mat* spec : {&out.a, &out.b})
    for (int y = 0; y < n; ++y) {
      const auto* row = spec->ptr<cv::Vec2f>(y);
      const int8_t* ring = rings.data() + size_t(y) * size_t(n);
      for (int x = 0; x < n; ++x)
        if (ring[x] >= 0) {
          power[size_t(ring[x])] += double(row[x][0]) * row[x][0] + double(row[x][1]) * row[x][1];
          ++count[size_t(ring[x])];
        }
    }
  // Divided by the ring's amplitude rather than its power: the pilot's own spectrum is not flat
  // (the chips' squares roll it off), and this keeps the high rings from drowning in the low
  // (z per coded bit on re-encoded Megamind: 1.05 this way, 0.98 by power, 0.62 unwhitened).
  for (size_t r = 0; r < out.gain.size(); ++r)
    out.gain[r] = count[r] && power[r] > 0 ? float(1.0 / std::sqrt(power[r] / count[r])) : 0.f;
  apply_gains(out.a, out.gain);
  apply_gains(out.b, out.gain);
  return out;
}

// The frequencies of a kTileRef spectrum below kCoarse / 2 cycles per tile, as a kCoarse
// spectrum: the whole band (up to kBandHigh), so its inverse is the same correlation surface,
// sampled every kTileRef / kCoarse pixels, at a quarter of the cost.
constexpr int kCoarse = 128;
static_assert(kBandHigh < kCoarse / 2);
cv::Mat band_of(const cv::Mat& spectrum) {
  constexpr int n = kTileRef, h = kCoarse / 2;
  cv::Mat out(kCoarse, kCoarse, spectrum.type());
  for (int qy = 0; qy < 2; ++qy)
    for (int qx = 0; qx < 2; ++qx)
      spectrum(cv::Rect(qx ? n - h : 0, qy ? n - h : 0, h, h))
          .copyTo(out(cv::Rect(qx ? h : 0, qy ? h : 0, h, h)));
  return out;
}

}  // namespace

struct WatermarkDetector::State {
  std::shared_ptr<const MarkLayout> layout;
  DetectOptions options;
  int width = 0, height = 0;  // of the frames as given
  double work_scale = 1.0;    // working size / given size
  Sums sum;
  std::vector<Sums> chunks;
  Sums chunk;
  int in_chunk = 0, frames = 0;
  std::vector<cv::Mat> pilots;         // [salt]: the pilot tile's spectrum
  std::vector<cv::Mat> coarse_pilots;  // [salt]: its band (band_of)

  // The residual turned by -`degrees` about its centre, back to where the mark was made; the
  // corners it leaves are 0 (no evidence).
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
  Candidate correlate(const WhitePair& white, int salt, double tile, bool coarse = false) const {
    const cv::Mat& pilot = (coarse ? coarse_pilots : pilots)[size_t(salt)];
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
  std::vector<DecodedWord> decode(const cv::Mat& white, const Candidate& c) const {
    return decode_words(soft_bits(white, c), options.list_size);
  }

  // The data chips of `white` (a whitened spectrum) at the pilot's offset, summed per coded bit
  // with their keyed signs: > 0 where a 1 is more likely.
  std::vector<float> soft_bits(const cv::Mat& white, const Candidate& c) const {
    cv::Mat g;
    cv::dft(shifted(white, c.shift), g, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT);
    std::vector<float> soft(size_t(kCodedBits), 0.f);
    const int chip = kTileRef / kChipsPerSide;
    for (int cy = 0; cy < kChipsPerSide; ++cy)
      for (int cx = 0; cx < kChipsPerSide; ++cx) {
        const int index = cy * kChipsPerSide + cx, bit = layout->bit_of(index);
        if (bit < 0) continue;
        float v = 0;
        for (int dy = 0; dy < chip; ++dy) {
          const float* row = g.ptr<float>(cy * chip + dy);
          for (int dx = 0; dx < chip; ++dx) v += row[cx * chip + dx];
        }
        soft[size_t(bit)] += layout->data_sign(index) * v;
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
  Detection out;
  out.frames = s.frames;
  if (s.frames < 2) return out;  // one frame has no turn over time to weigh
  if (s.pilots.empty())
    for (int salt = 0; salt < kSalts; ++salt) {
      const std::vector<float>& t = s.layout->pilot_tile(salt);
      cv::Mat tile(kTileRef, kTileRef, CV_32F, const_cast<float*>(t.data())), spec;
      cv::dft(tile, spec, cv::DFT_COMPLEX_OUTPUT);
      s.pilots.push_back(spec);
      s.coarse_pilots.push_back(band_of(spec));
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
  std::vector<Candidate> coarse(angles.size() * tiles.size() * kSalts);
  tbb::parallel_for(size_t(0), angles.size() * tiles.size(), [&](size_t i) {
    const size_t turn = i / tiles.size();
    const double tile = tiles[i % tiles.size()];
    const WhitePair w = s.white(turns[turn], tile, 0);
    const WhitePair band{band_of(w.a), band_of(w.b)};
    for (int salt = 0; salt < kSalts; ++salt) {
      Candidate& c = coarse[i * kSalts + size_t(salt)];
      c = s.correlate(band, salt, tile, true);
      c.angle = angles[turn];
    }
  });
  std::sort(coarse.begin(), coarse.end(),
            [](const Candidate& a, const Candidate& b) { return a.z > b.z; });
  // The best candidates whose salt passes `wanted`, one per (salt, size, turn).
  auto pick = [&](auto wanted) {
    std::vector<Candidate> picked;
    for (const Candidate& c : coarse) {
      if (int(picked.size()) >= s.options.candidates) break;
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
  const bool search_turns = angles.size() > 1;
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
        Candidate r = s.correlate(w, c.salt, tile);
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

  for (const Candidate& picked :
       s.options.blind ? pick([](int) { return true; }) : std::vector<Candidate>{}) {
    const Refined& r = refined_for(picked);
    const Candidate& c = r.c;
    const WhitePair& best = r.white;
    out.pilot_z = std::max(out.pilot_z, c.z);
    auto accept = [&](const std::vector<DecodedWord>& words) {
      for (const DecodedWord& d : words) {
        ++out.attempts;
        const uint32_t check = s.layout->key().check(d.payload);
        out.near_misses += (check >> 24) == (d.check >> 24);
        if (check != d.check) continue;
        const WatermarkPayload p = WatermarkPayload::unpack(s.layout->unscramble(d.payload));
        if (p.version != kMarkVersion || s.layout->salt_for(p.record) != c.salt) continue;
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
    if (accept(s.decode(best.mix(c.phase), c))) break;
    // The excerpt may cross an epoch: decode the parts before and after each chunk boundary,
    // at the phase the whole excerpt gave (the turn runs on across epochs).
    if (chunks.size() > 1) {
      bool done = false;
      Sums before;
      for (size_t j = 1; j < chunks.size() && !done; ++j) {
        before.add(chunks[j - 1]);
        const Sums after = s.sum.without(before);
        done = accept(s.decode(s.white(before.quadratures(), c.tile, c.angle).mix(c.phase), c)) ||
               accept(s.decode(s.white(after.quadratures(), c.tile, c.angle).mix(c.phase), c));
      }
      if (done) break;
    }
  }
  out.false_positive = 1.0 - std::pow(1.0 - kFalseAcceptPerAttempt, std::max(1, out.attempts));
  if (out.found || issued.empty()) return out;

  // Informed: each issued mark against the chunks' soft bits at the best offsets of the salts
  // the issued marks use, every chunk whitened with the whole excerpt's gains and read at its
  // phase, so that any run of chunks is the sum of theirs.
  IssuedCodes codes(*s.layout, issued);
  InformedTally tally;
  const double cos_mean = s.sum.cos_sum / s.sum.n, sin_mean = s.sum.sin_sum / s.sum.n;
  for (const Candidate& picked : pick([&](int salt) { return codes.any_for(salt); })) {
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
      soft[j] = s.soft_bits(WhitePair{a, b, best.gain}.mix(c.phase), c);
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
