#include "analysis/scene_lock.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "analysis/correspondence.h"
#include "colour/delta_e.h"

namespace fl::analysis {
namespace {

using colour::ColourSample;
using colour::TransferCurve;
using namespace correspondence;

constexpr int kThumbWidth = 160;
// Gradient correlation over the overlap below which a homography is a chance agreement.
constexpr double kMinAlignedStructure = 0.5;

// zncc() over the pixels where `mask` > 0.99.
double masked_zncc(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  size_t n = 0;
  for (int y = 0; y < a.rows; ++y) {
    const float* pa = a.ptr<float>(y);
    const float* pb = b.ptr<float>(y);
    const float* m = mask.ptr<float>(y);
    for (int x = 0; x < a.cols; ++x) {
      if (m[x] <= 0.99f) continue;
      sa += pa[x];
      sb += pb[x];
      saa += double(pa[x]) * pa[x];
      sbb += double(pb[x]) * pb[x];
      sab += double(pa[x]) * pb[x];
      ++n;
    }
  }
  if (n < 64) return 0;
  const double va = saa - sa * sa / double(n), vb = sbb - sb * sb / double(n);
  if (va <= 1e-12 || vb <= 1e-12) return 0;
  return (sab - sa * sb / double(n)) / std::sqrt(va * vb);
}

colour::Lab lab_of(const TransferCurve& curve, const float* enc) {
  return colour::lab_from_linear_rec709(curve.to_linear(enc[0]), curve.to_linear(enc[1]),
                                        curve.to_linear(enc[2]));
}

cv::Mat apply_lut(const cv::Mat& enc, const colour::Lut3D& lut) {
  cv::Mat rgba(enc.rows, enc.cols, CV_32FC4);
  cv::cvtColor(enc, rgba, cv::COLOR_RGB2RGBA);
  colour::apply_lut3d(lut, colour::Interp::kTetrahedral, rgba.ptr<float>(), rgba.total());
  cv::Mat out;
  cv::cvtColor(rgba, out, cv::COLOR_RGBA2RGB);
  return out;
}

// Mean ΔE2000 between corresponding pixels (weight > 0.5), every `step`-th pixel.
double pixel_delta_e(const cv::Mat& a, const cv::Mat& b, const cv::Mat& weight,
                     const TransferCurve& curve, int step = 2) {
  double sum = 0;
  size_t n = 0;
  for (int y = 0; y < a.rows; y += step) {
    const float* pa = a.ptr<float>(y);
    const float* pb = b.ptr<float>(y);
    const float* w = weight.empty() ? nullptr : weight.ptr<float>(y);
    for (int x = 0; x < a.cols; x += step) {
      if (w && w[x] <= 0.5f) continue;
      sum += colour::ciede2000(lab_of(curve, pa + 3 * x), lab_of(curve, pb + 3 * x));
      ++n;
    }
  }
  return n ? sum / double(n) : 0;
}

struct LabStats {
  double mean[3] = {0, 0, 0};
  double sd[3] = {0, 0, 0};
  double chroma_sd = 0;
};

LabStats lab_stats(const std::vector<cv::Mat>& frames, const TransferCurve& curve) {
  LabStats s;
  double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
  size_t n = 0;
  for (const cv::Mat& f : frames)
    for (int y = 0; y < f.rows; y += 2) {
      const float* p = f.ptr<float>(y);
      for (int x = 0; x < f.cols; x += 2) {
        const colour::Lab lab = lab_of(curve, p + 3 * x);
        for (int c = 0; c < 3; ++c) {
          sum[c] += lab[size_t(c)];
          sq[c] += lab[size_t(c)] * lab[size_t(c)];
        }
        ++n;
      }
    }
  if (!n) return s;
  for (int c = 0; c < 3; ++c) {
    s.mean[c] = sum[c] / double(n);
    s.sd[c] = std::sqrt(std::max(0.0, sq[c] / double(n) - s.mean[c] * s.mean[c]));
  }
  s.chroma_sd = std::hypot(s.sd[1], s.sd[2]);
  return s;
}

std::array<float, 3> encoded_from_lab(const colour::Lab& lab, const TransferCurve& curve) {
  const double fy = (lab[0] + 16.0) / 116.0, fx = fy + lab[1] / 500.0, fz = fy - lab[2] / 200.0;
  auto finv = [](double f) {
    const double f3 = f * f * f;
    return f3 > 216.0 / 24389.0 ? f3 : (116.0 * f - 16.0) * 27.0 / 24389.0;
  };
  const double xw = 0.4123907993 + 0.3575843394 + 0.1804807884;
  const double zw = 0.0193308187 + 0.1191947798 + 0.9505321522;
  const double x = finv(fx) * xw, y = finv(fy), z = finv(fz) * zw;
  const double rgb[3] = {3.2409699419 * x - 1.5373831776 * y - 0.4986107603 * z,
                         -0.9692436363 * x + 1.8759675015 * y + 0.0415550574 * z,
                         0.0556300797 * x - 0.2039769589 * y + 1.0569715142 * z};
  std::array<float, 3> out;
  for (int c = 0; c < 3; ++c)
    out[size_t(c)] = std::clamp(curve.to_encoded(float(std::max(0.0, rgb[c]))), 0.f, 1.f);
  return out;
}

// Statistics transfer in CIELAB, regularised: lightness mean and contrast move toward the
// reference's (contrast within 0.7..1.4x), the mean chroma shift is halved and capped at 5 units
// and fades out toward black and white (so highlights and blacks stay neutral), chroma scales
// about the neutral axis within 0.8..1.25x (neutrals stay neutral, skin keeps its hue).
std::vector<ColourSample> statistics_pairs(const std::vector<cv::Mat>& frames, const LabStats& shot,
                                           const LabStats& ref, const TransferCurve& curve) {
  const double contrast = std::clamp(ref.sd[0] / std::max(shot.sd[0], 1e-3), 0.7, 1.4);
  const double chroma = std::clamp(ref.chroma_sd / std::max(shot.chroma_sd, 1e-3), 0.8, 1.25);
  const double da = std::clamp(0.5 * (ref.mean[1] - shot.mean[1]), -5.0, 5.0);
  const double db = std::clamp(0.5 * (ref.mean[2] - shot.mean[2]), -5.0, 5.0);
  std::vector<ColourSample> out;
  for (const cv::Mat& f : frames)
    for (int y = 0; y < f.rows; y += 2) {
      const float* p = f.ptr<float>(y);
      for (int x = 0; x < f.cols; x += 2) {
        const colour::Lab lab = lab_of(curve, p + 3 * x);
        const double l = std::clamp(ref.mean[0] + (lab[0] - shot.mean[0]) * contrast, 0.0, 100.0);
        const double fade = std::clamp(std::min(l, 100.0 - l) / 15.0, 0.0, 1.0);
        const colour::Lab target{l, lab[1] * chroma + da * fade, lab[2] * chroma + db * fade};
        out.push_back({{p[3 * x], p[3 * x + 1], p[3 * x + 2]}, encoded_from_lab(target, curve), 1});
      }
    }
  return out;
}

colour::GradeFitOptions fit_options(LockMatch match, colour::Transfer encoding, bool preview) {
  colour::GradeFitOptions o;
  o.encoding = encoding;
  switch (match) {
    case LockMatch::kSameContent:  // dense, exact correspondences: let the fit be flexible
      o.lattice_smoothness = 1e-4;
      o.curve_smoothness = 1e-5;
      break;
    case LockMatch::kAligned:  // fewer, noisier correspondences: a stiffer fit
      o.bins_per_channel = 24;
      o.lattice_smoothness = 3e-2;
      o.curve_smoothness = 1e-3;
      o.robust_iterations = 4;
      break;
    case LockMatch::kFeatures:  // sparse, noisy colours: a low-order grade
      o.bins_per_channel = 24;
      o.lattice = false;
      o.curve_knots = 6;
      o.curve_smoothness = 3e-5;
      o.output_curve_knots = 6;  // a crush then a channel mix is undone in the other order
      o.output_curve_smoothness = 1e-4;
      o.robust_iterations = 5;
      break;
    case LockMatch::kStatistics:  // a low-order grade only
      o.lattice = false;
      o.curve_smoothness = 1e-2;
      o.robust_iterations = 0;
      break;
  }
  if (preview) {
    o.lattice_size = std::min(o.lattice_size, 7);
    o.bins_per_channel = std::min(o.bins_per_channel, 24);
    o.robust_iterations = std::min(o.robust_iterations, 1);
    o.cdl = false;
  }
  return o;
}

// How stiff a feature-matched grade must be depends on how much the matches say: a strong curve
// in the grade needs soft curves to undo it, and noisy or few matches need stiff ones not to
// follow the noise. So the stiffness is chosen by cross-validation: the matches (groups of
// `group` pairs, one group per matched neighbourhood) are split into folds, the grade fitted
// without each fold at each stiffness and scored on it (mean ΔE2000); the whole-frame pairs
// after the first `local` always train. Returns the options with the best stiffness.
colour::GradeFitOptions cross_validated(const std::vector<ColourSample>& pairs, size_t local,
                                        size_t group, colour::GradeFitOptions o) {
  struct Candidate {
    double curves, output_curves;  // smoothness of either set of curves
  };
  // Stiffest first. (The whole frames' weight was tried as a second dimension: held-out matches
  // then chose worse grades for two of three known grades.)
  constexpr Candidate kCandidates[] = {
      {3e-5, 1e-4}, {1e-5, 3e-5}, {3e-6, 1e-5}, {1e-6, 3e-6}, {3e-7, 1e-6}};
  constexpr int kFolds = 3;
  if (local < size_t(kFolds) * group * 8) return o;  // too few matches to hold any back
  constexpr double kTolerance = 0.003;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> errors;
  for (const Candidate& c : kCandidates) {
    colour::GradeFitOptions trial = o;
    trial.curve_smoothness = c.curves;
    trial.output_curve_smoothness = c.output_curves;
    trial.robust_iterations = std::min(trial.robust_iterations, 2);
    double error = 0;
    for (int fold = 0; fold < kFolds; ++fold) {
      std::vector<ColourSample> train;
      std::vector<std::array<float, 3>> held_src, held_dst;
      std::vector<float> held_w;
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (i < local && int((i / group) % kFolds) == fold) {
          held_src.push_back(pairs[i].src);
          held_dst.push_back(pairs[i].dst);
          held_w.push_back(pairs[i].weight);
        } else {
          train.push_back(pairs[i]);
        }
      }
      auto fit = colour::fit_grade(train, trial);
      if (!fit.ok()) return o;
      for (auto& h : held_src) {
        float px[4] = {h[0], h[1], h[2], 1};
        colour::apply_lut3d(fit->lut, colour::Interp::kTetrahedral, px, 1);
        h = {px[0], px[1], px[2]};
      }
      error += colour::mean_delta_e_code_values(held_src, held_dst, held_w, o.encoding);
    }
    errors.push_back(error / kFolds);
    best = std::min(best, error / kFolds);
  }
  // The first candidate that does about as well as the best: held-out scores a few thousandths
  // apart are noise, and a softer grade than the matches need follows their noise.
  for (size_t i = 0; i < errors.size(); ++i)
    if (errors[i] <= best * (1 + kTolerance)) {
      o.curve_smoothness = kCandidates[i].curves;
      o.output_curve_smoothness = kCandidates[i].output_curves;
      break;
    }
  return o;
}

// One shot, given its candidate frames (encoded, analysis size) and the reference frames (one
// still, or several frames of a reference shot: whatever any of them shares with the shot counts).
Result<ShotLock> lock_frames(const std::vector<cv::Mat>& frames,
                             const std::vector<int64_t>& frame_numbers,
                             const std::vector<cv::Mat>& refs_enc, const LockOptions& opt) {
  const TransferCurve& curve = TransferCurve::get(opt.encoding);
  ShotLock lock;
  const cv::Size size = frames.front().size();
  std::vector<cv::Mat> refs;  // each at the frames' size
  for (const cv::Mat& r : refs_enc) refs.push_back(resized(r, size));
  size_t best = 0, best_ref = 0;
  lock.structure = -2;
  size_t local_pairs = 0;  // feature pairs come first, kFeatureBands per match
  for (size_t r = 0; r < refs.size(); ++r) {
    const cv::Mat ref_grad = gradient_magnitude(luma_of(refs[r]));
    for (size_t i = 0; i < frames.size(); ++i) {
      const double score = zncc(gradient_magnitude(luma_of(frames[i])), ref_grad);
      if (score > lock.structure) {
        lock.structure = score;
        best = i;
        best_ref = r;
      }
    }
  }
  lock.matched_frame = frame_numbers[best];
  lock.reference_index = int(best_ref);
  const cv::Mat& ref = refs[best_ref];
  const double aspect_f = double(size.width) / size.height;
  const double aspect_r = double(refs_enc[best_ref].cols) / refs_enc[best_ref].rows;
  const bool same_aspect = std::abs(aspect_f / aspect_r - 1.0) < 0.01;

  std::vector<ColourSample> pairs;
  cv::Mat eval_src, eval_dst, eval_w;
  using Mode = LockOptions::Mode;
  const bool same = opt.mode == Mode::kSameContent || (opt.mode == Mode::kAuto && same_aspect &&
                                                       lock.structure >= opt.same_content_score);
  if (same) {
    lock.match = LockMatch::kSameContent;
    add_pairs(frames[best], ref, {}, pairs);
    eval_src = frames[best];
    eval_dst = ref;
  } else if (opt.mode != Mode::kStatistics) {
    // The references at a size comparable to the frames', for feature matching.
    std::vector<cv::Mat> refs_scaled, refs_u8;
    for (const cv::Mat& r : refs_enc) {
      const double s = double(size.width) / r.cols;
      refs_scaled.push_back(
          resized(r, cv::Size(size.width, std::max(1, int(std::lround(r.rows * s))))));
      refs_u8.push_back(feature_image(refs_scaled.back()));
    }
    struct Found {
      Alignment a;
      size_t frame, ref;
    };
    std::vector<Found> found;
    for (size_t i = 0; i < frames.size(); ++i) {
      const cv::Mat frame_u8 = feature_image(frames[i]);
      for (size_t r = 0; r < refs.size(); ++r)
        if (auto a = align(refs_u8[r], frame_u8, opt.min_inliers, opt.preview ? 1200 : 4000))
          found.push_back({*a, i, r});
    }
    std::sort(found.begin(), found.end(),
              [](const Found& a, const Found& b) { return a.a.inliers > b.a.inliers; });
    size_t used = 0;
    for (auto it = found.begin(); it != found.end() && used < 3;) {
      const Found& f = *it;
      const cv::Mat& ref_scaled = refs_scaled[f.ref];
      cv::Mat warped, mask, ones(ref_scaled.size(), CV_32F, cv::Scalar(1));
      cv::warpPerspective(ref_scaled, warped, f.a.h, size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
      cv::warpPerspective(ones, mask, f.a.h, size, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
      cv::erode(mask, mask, cv::Mat(), cv::Point(-1, -1), 4);
      // Registration is never perfect: compare slightly blurred pictures and trust flat areas,
      // where a pixel or two of misalignment changes nothing.
      cv::Mat fb, wb;
      cv::GaussianBlur(frames[f.frame], fb, cv::Size(0, 0), 1.5);
      cv::GaussianBlur(warped, wb, cv::Size(0, 0), 1.5);
      // Forty features can agree on a plane by chance (a closer framing of the same set-up);
      // a real alignment puts the same structure in the same place over the overlap.
      const double agreement =
          masked_zncc(gradient_magnitude(luma_of(fb)), gradient_magnitude(luma_of(wb)), mask);
      if (agreement < kMinAlignedStructure) {
        it = found.erase(it);
        continue;
      }
      ++it;
      ++used;
      cv::Mat flat_f, flat_w, weight;
      cv::exp(gradient_magnitude(luma_of(fb)) * -20.0, flat_f);
      cv::exp(gradient_magnitude(luma_of(wb)) * -20.0, flat_w);
      weight = mask.mul(flat_f).mul(flat_w);
      add_pairs(fb, wb, weight, pairs);
      if (eval_src.empty()) {
        eval_src = fb;
        eval_dst = wb;
        cv::threshold(mask, eval_w, 0.99, 1.0, cv::THRESH_BINARY);
      }
    }
    if (found.size() > used) found.resize(used);
    if (!found.empty()) {
      lock.match = LockMatch::kAligned;
      lock.inliers = found.front().a.inliers;
      lock.matched_frame = frame_numbers[found.front().frame];
      lock.reference_index = int(found.front().ref);
    } else {
      int matches = 0;
      for (const cv::Mat& f : frames)
        for (const cv::Mat& r : refs_scaled)
          matches += feature_pairs(r, f, pairs, opt.preview ? 1200 : 3000);
      // The whole pictures' lightness distributions, at a fifth of the local pairs' weight,
      // steady the fit where the matched neighbourhoods cover few colours.
      const size_t local = pairs.size();
      local_pairs = local;
      std::vector<ColourSample> global;
      cv::Mat pooled;
      cv::vconcat(refs_scaled, pooled);
      for (const cv::Mat& f : frames) band_pairs(f, pooled, 64, global);
      const float w = 0.2f * float(local) / float(std::max<size_t>(1, global.size()));
      for (auto& g : global) {
        g.weight = w;
        pairs.push_back(g);
      }
      // (A preview looks for fewer features, so fewer of them match.)
      if (matches >= (opt.preview ? opt.min_feature_matches * 2 / 5 : opt.min_feature_matches)) {
        lock.match = LockMatch::kFeatures;
        lock.inliers = matches;
      } else {
        pairs.clear();
      }
    }
    if (pairs.empty() && opt.mode == Mode::kAligned) {
      return invalid_argument("scene_lock: no frame of shot " +
                              std::to_string(frame_numbers.front()) + "-" +
                              std::to_string(frame_numbers.back()) +
                              " shares enough features with the reference to align it");
    }
  }
  if (pairs.empty()) {
    lock.match = LockMatch::kStatistics;
    const LabStats shot = lab_stats(frames, curve), ref_stats = lab_stats(refs, curve);
    pairs = statistics_pairs(frames, shot, ref_stats, curve);
  }
  colour::GradeFitOptions fit_opts = fit_options(lock.match, opt.encoding, opt.preview);
  if (lock.match == LockMatch::kFeatures && !opt.preview)
    fit_opts = cross_validated(pairs, local_pairs, kFeatureBands, fit_opts);
  FL_ASSIGN_OR_RETURN(lock.fit, colour::fit_grade(pairs, fit_opts));

  if (lock.match == LockMatch::kStatistics) {
    std::vector<cv::Mat> after;
    for (const cv::Mat& f : frames) after.push_back(apply_lut(f, lock.fit.lut));
    const LabStats before_s = lab_stats(frames, curve), after_s = lab_stats(after, curve),
                   ref_s = lab_stats(refs, curve);
    auto mean_lab = [](const LabStats& s) { return colour::Lab{s.mean[0], s.mean[1], s.mean[2]}; };
    lock.delta_e_before = colour::ciede2000(mean_lab(before_s), mean_lab(ref_s));
    lock.delta_e_after = colour::ciede2000(mean_lab(after_s), mean_lab(ref_s));
  } else if (lock.match == LockMatch::kFeatures) {
    std::vector<std::array<float, 3>> src, dst, after;
    std::vector<float> w;
    for (const auto& p : pairs) {
      src.push_back(p.src);
      dst.push_back(p.dst);
      float px[4] = {p.src[0], p.src[1], p.src[2], 1};
      colour::apply_lut3d(lock.fit.lut, colour::Interp::kTetrahedral, px, 1);
      after.push_back({px[0], px[1], px[2]});
      w.push_back(1);
    }
    lock.delta_e_before = colour::mean_delta_e_code_values(src, dst, w, opt.encoding);
    lock.delta_e_after = colour::mean_delta_e_code_values(after, dst, w, opt.encoding);
  } else {
    lock.delta_e_before = pixel_delta_e(eval_src, eval_dst, eval_w, curve);
    lock.delta_e_after = pixel_delta_e(apply_lut(eval_src, lock.fit.lut), eval_dst, eval_w, curve);
  }
  return lock;
}

}  // namespace

std::vector<int64_t> reference_frames(const ShotRange& shot) {
  constexpr int kFrames = 3;
  const int64_t len = shot.last - shot.first + 1;
  std::vector<int64_t> picks;
  for (int part = 1; part < 2 * kFrames; part += 2) {
    const int64_t f = shot.first + std::min(len - 1, len * part / (2 * kFrames));
    if (picks.empty() || picks.back() != f) picks.push_back(f);
  }
  return picks;
}

const char* lock_match_name(LockMatch m) {
  switch (m) {
    case LockMatch::kSameContent:
      return "same_content";
    case LockMatch::kAligned:
      return "aligned";
    case LockMatch::kFeatures:
      return "matched_features";
    case LockMatch::kStatistics:
      return "statistics";
  }
  return "?";
}

Result<std::vector<ShotLock>> lock_shots(const std::vector<ShotRange>& shots,
                                         const LockFrameReader& read, const Image& reference,
                                         const LockOptions& opt, const LockProgress& progress) {
  if (reference.empty()) return invalid_argument("scene_lock: the reference image is empty");
  return lock_shots(shots, read, std::vector<Image>{reference.clone()}, -1, opt, progress);
}

Result<std::vector<ShotLock>> lock_shots(const std::vector<ShotRange>& shots,
                                         const LockFrameReader& read,
                                         const std::vector<Image>& references, int reference_shot,
                                         const LockOptions& opt, const LockProgress& progress) {
  if (references.empty()) return invalid_argument("scene_lock: no reference image");
  for (const Image& r : references)
    if (r.empty()) return invalid_argument("scene_lock: the reference image is empty");
  if (shots.empty()) return invalid_argument("scene_lock: no shots to lock");
  const TransferCurve& curve = TransferCurve::get(opt.encoding);
  std::vector<cv::Mat> ref_enc;
  for (const Image& r : references) ref_enc.push_back(encoded(r, curve));
  const int k = std::max(1, opt.candidates_per_shot);
  int64_t total = 0, done = 0;
  for (const auto& s : shots) total += s.last - s.first + 1;
  std::vector<ShotLock> out;
  for (size_t shot_index = 0; shot_index < shots.size(); ++shot_index) {
    const ShotRange& shot = shots[shot_index];
    if (shot.last < shot.first)
      return invalid_argument("scene_lock: empty shot " + std::to_string(shot.first) + "-" +
                              std::to_string(shot.last));
    if (int(shot_index) == reference_shot) {
      // The reference's own shot has the look already.
      ShotLock lock;
      lock.first = shot.first;
      lock.last = shot.last;
      lock.match = LockMatch::kSameContent;
      lock.matched_frame = shot.first + (shot.last - shot.first) / 2;
      lock.structure = 1;
      lock.fit.lut = colour::identity_lut3d(33);
      out.push_back(std::move(lock));
      done += shot.last - shot.first + 1;
      if (progress && !progress(done, total)) return cancelled("scene lock cancelled");
      continue;
    }
    // Every frame is compared with each reference on a small gradient thumbnail (the same
    // picture can be any frame of the shot); evenly spaced frames and the best match are kept
    // at the analysis size.
    const int64_t len = shot.last - shot.first + 1;
    const int64_t count = std::min<int64_t>(k, len);
    std::vector<int64_t> wanted;
    for (int64_t i = 0; i < count; ++i)
      wanted.push_back(shot.first + (count == 1 ? len / 2 : i * (len - 1) / (count - 1)));
    std::vector<cv::Mat> frames;
    std::vector<int64_t> numbers;
    cv::Mat best_frame;
    std::vector<cv::Mat> ref_thumb_grad;
    int64_t best_number = -1;
    double best_score = -2;
    for (int64_t f = shot.first; f <= shot.last; ++f) {
      FL_ASSIGN_OR_RETURN(Image img, read(f));
      if (img.empty()) return corrupt_data("scene_lock: frame " + std::to_string(f) + " is empty");
      cv::Mat enc = encoded(img, curve);
      const cv::Size thumb(
          kThumbWidth, std::max(1, int(std::lround(double(enc.rows) * kThumbWidth / enc.cols))));
      if (ref_thumb_grad.empty())
        for (const cv::Mat& r : ref_enc)
          ref_thumb_grad.push_back(gradient_magnitude(luma_of(resized(r, thumb))));
      const cv::Mat grad = gradient_magnitude(luma_of(resized(enc, thumb)));
      for (size_t r = 0; r < ref_thumb_grad.size(); ++r) {
        const double score = zncc(grad, ref_thumb_grad[r]);
        if (score > best_score) {
          best_score = score;
          best_number = f;
          best_frame = enc;
        }
      }
      if (std::find(wanted.begin(), wanted.end(), f) != wanted.end()) {
        frames.push_back(enc);
        numbers.push_back(f);
      }
      if (progress && !progress(++done, total)) return cancelled("scene lock cancelled");
    }
    if (std::find(numbers.begin(), numbers.end(), best_number) == numbers.end()) {
      frames.push_back(best_frame);
      numbers.push_back(best_number);
    }
    FL_ASSIGN_OR_RETURN(ShotLock lock, lock_frames(frames, numbers, ref_enc, opt));
    lock.first = shot.first;
    lock.last = shot.last;
    out.push_back(std::move(lock));
  }
  return out;
}

Result<ShotLock> fit_look(const Image& source, const Image& target, const LockOptions& opt) {
  if (source.empty() || target.empty()) return invalid_argument("look fit: an image is empty");
  const TransferCurve& curve = TransferCurve::get(opt.encoding);
  FL_ASSIGN_OR_RETURN(ShotLock lock,
                      lock_frames({encoded(source, curve)}, {0}, {encoded(target, curve)}, opt));
  lock.first = lock.last = 0;
  return lock;
}

Image shrink_to_width(const Image& src, int width) {
  if (src.width() <= width) return src.clone();
  const int height = std::max(1, int(std::lround(double(src.height()) * width / src.width())));
  Image out(width, height);
  cv::resize(cv::Mat(src.height(), src.width(), CV_32FC4, const_cast<float*>(src.data())),
             cv::Mat(height, width, CV_32FC4, out.data()), cv::Size(width, height), 0, 0,
             cv::INTER_AREA);
  return out;
}

void apply_grade(const colour::Lut3D& lut, colour::Transfer encoding, float* rgba, size_t pixels) {
  const TransferCurve& curve = TransferCurve::get(encoding);
  curve.rgba_to_encoded(rgba, pixels);
  colour::apply_lut3d(lut, colour::Interp::kTetrahedral, rgba, pixels);
  curve.rgba_to_linear(rgba, pixels);
}

}  // namespace fl::analysis
