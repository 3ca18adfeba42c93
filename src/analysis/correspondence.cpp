// Where a shot and a reference correspond: structure comparison, alignment, and colour pairs
// from whatever the two share (analysis/scene_lock.cpp decides which to trust).
#include "analysis/correspondence.h"

#include <algorithm>
#include <cmath>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

namespace fl::analysis::correspondence {

using colour::ColourSample;
using colour::TransferCurve;

namespace {

// Pixels as (Rec.709 luma, colour), to be sorted by lightness.
using LightnessSorted = std::vector<std::pair<float, std::array<float, 3>>>;

}  // namespace

// Display-referred code values (CV_32FC3, RGB order) of a linear frame.
cv::Mat encoded(const Image& img, const TransferCurve& curve) {
  cv::Mat m(img.height(), img.width(), CV_32FC3);
  for (int y = 0; y < img.height(); ++y) {
    const float* p = img.row(img.bounds().y + y);
    float* d = m.ptr<float>(y);
    for (int x = 0; x < img.width(); ++x)
      for (int c = 0; c < 3; ++c)
        d[3 * x + c] = std::clamp(curve.to_encoded(p[4 * x + c]), 0.f, 1.f);
  }
  return m;
}

cv::Mat resized(const cv::Mat& m, cv::Size size) {
  if (m.size() == size) return m;
  cv::Mat out;
  cv::resize(m, out, size, 0, 0, m.cols > size.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

cv::Mat luma_of(const cv::Mat& enc) {
  cv::Mat l;
  cv::transform(enc, l, cv::Matx13f(0.2126f, 0.7152f, 0.0722f));
  return l;
}

cv::Mat gradient_magnitude(const cv::Mat& luma) {
  cv::Mat s, gx, gy, mag;
  cv::GaussianBlur(luma, s, cv::Size(0, 0), 1.0);
  cv::Sobel(s, gx, CV_32F, 1, 0);
  cv::Sobel(s, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, mag);
  return mag;
}

// Zero-mean normalised cross-correlation: insensitive to the gain and offset a grade puts on
// gradients, high only when the same structure sits at the same place.
double zncc(const cv::Mat& a, const cv::Mat& b) {
  cv::Scalar ma, sa, mb, sb;
  cv::meanStdDev(a, ma, sa);
  cv::meanStdDev(b, mb, sb);
  if (sa[0] < 1e-9 || sb[0] < 1e-9) return 0;
  cv::Mat da = a - ma[0], db = b - mb[0];
  return da.dot(db) / (double(a.total()) * sa[0] * sb[0]);
}

// Features see structure, not colour: ORB's descriptor compares pairs of pixels, so any
// monotonic curve a grade puts on luma leaves it unchanged; stretching the range keeps the
// corner detector's fixed threshold meaningful on dark or flattened pictures.
cv::Mat feature_image(const cv::Mat& enc) {
  cv::Mat l = luma_of(enc), u8;
  double lo = 0, hi = 1;
  cv::minMaxLoc(l, &lo, &hi);
  l.convertTo(u8, CV_8U, 255.0 / std::max(hi - lo, 1e-3), -255.0 * lo / std::max(hi - lo, 1e-3));
  return u8;
}

std::optional<Alignment> align(const cv::Mat& ref_u8, const cv::Mat& frame_u8, int min_inliers,
                               int features) {
  auto orb = cv::ORB::create(features);
  std::vector<cv::KeyPoint> kr, kf;
  cv::Mat dr, df;
  orb->detectAndCompute(ref_u8, cv::noArray(), kr, dr);
  orb->detectAndCompute(frame_u8, cv::noArray(), kf, df);
  if (dr.empty() || df.empty()) return std::nullopt;
  cv::BFMatcher matcher(cv::NORM_HAMMING);
  std::vector<std::vector<cv::DMatch>> knn;
  matcher.knnMatch(dr, df, knn, 2);
  std::vector<cv::Point2f> pr, pf;
  for (const auto& m : knn) {
    if (m.size() == 2 && m[0].distance < 0.8f * m[1].distance) {
      pr.push_back(kr[size_t(m[0].queryIdx)].pt);
      pf.push_back(kf[size_t(m[0].trainIdx)].pt);
    }
  }
  if (int(pr.size()) < min_inliers) return std::nullopt;
  std::vector<uchar> inlier_mask;
  cv::Mat h = cv::findHomography(pr, pf, cv::RANSAC, 3.0, inlier_mask, 4000, 0.999);
  if (h.empty()) return std::nullopt;
  const int inliers = cv::countNonZero(inlier_mask);
  const double det = cv::determinant(h(cv::Rect(0, 0, 2, 2)));
  if (inliers < min_inliers || det < 0.25 || det > 4.0) return std::nullopt;
  return Alignment{h, inliers};
}

namespace {

void add_pixel(const float* p, LightnessSorted& px) {
  px.push_back({0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2], {p[0], p[1], p[2]}});
}

void sort_by_lightness(LightnessSorted& px) {
  std::sort(px.begin(), px.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

// Two sets of pixels compared as distributions: the mean colour of each lightness band of one
// paired with the same band of the other (histogram matching that keeps colours together).
void pair_bands(const LightnessSorted& a, const LightnessSorted& b, int bands,
                std::vector<ColourSample>& out) {
  auto mean_of = [bands](const LightnessSorted& px, int band) {
    const size_t lo = px.size() * size_t(band) / size_t(bands),
                 hi = px.size() * size_t(band + 1) / size_t(bands);
    std::array<double, 3> acc{0, 0, 0};
    for (size_t k = lo; k < hi; ++k)
      for (int c = 0; c < 3; ++c) acc[size_t(c)] += px[k].second[size_t(c)];
    const double n = double(std::max<size_t>(1, hi - lo));
    return std::array<float, 3>{float(acc[0] / n), float(acc[1] / n), float(acc[2] / n)};
  };
  for (int band = 0; band < bands; ++band) out.push_back({mean_of(a, band), mean_of(b, band), 1});
}

}  // namespace

void band_pairs(const cv::Mat& src, const cv::Mat& dst, int bands, std::vector<ColourSample>& out) {
  auto sorted = [](const cv::Mat& m) {
    LightnessSorted px;
    for (int y = 0; y < m.rows; ++y) {
      const float* p = m.ptr<float>(y);
      for (int x = 0; x < m.cols; ++x) add_pixel(p + 3 * x, px);
    }
    sort_by_lightness(px);
    return px;
  };
  pair_bands(sorted(src), sorted(dst), bands, out);
}

int feature_pairs(const cv::Mat& ref_enc, const cv::Mat& frame_enc, std::vector<ColourSample>& out,
                  int features) {
  auto orb = cv::ORB::create(features);
  std::vector<cv::KeyPoint> kr, kf;
  cv::Mat dr, df;
  orb->detectAndCompute(feature_image(ref_enc), cv::noArray(), kr, dr);
  orb->detectAndCompute(feature_image(frame_enc), cv::noArray(), kf, df);
  if (dr.rows < 2 || df.rows < 2) return 0;
  cv::BFMatcher matcher(cv::NORM_HAMMING);
  std::vector<std::vector<cv::DMatch>> fwd, back;
  matcher.knnMatch(dr, df, fwd, 2);
  matcher.knnMatch(df, dr, back, 2);
  const cv::Mat& rb = ref_enc;
  const cv::Mat& fb = frame_enc;
  struct Match {
    const cv::KeyPoint* a;
    const cv::KeyPoint* f;
  };
  std::vector<Match> mutual;
  for (const auto& m : fwd) {
    if (m.size() < 2 || m[0].distance >= 0.8f * m[1].distance) continue;
    const auto& b = back[size_t(m[0].trainIdx)];
    if (b.empty() || b[0].trainIdx != m[0].queryIdx) continue;  // mutual best only
    mutual.push_back({&kr[size_t(m[0].queryIdx)], &kf[size_t(m[0].trainIdx)]});
  }
  // Local geometric support (the idea of GMS matching): a true match has true matches around it
  // that moved the same way, up to the change of scale and rotation its keypoints report.
  // Characters move and framing changes, so no global model is assumed.
  std::vector<bool> supported(mutual.size(), false);
  for (size_t i = 0; i < mutual.size(); ++i) {
    const Match& mi = mutual[i];
    const float scale = mi.f->size / mi.a->size;
    const float rot = (mi.f->angle - mi.a->angle) * float(CV_PI / 180);
    const float c = std::cos(rot) * scale, s = std::sin(rot) * scale;
    std::vector<std::pair<float, size_t>> near;
    for (size_t j = 0; j < mutual.size(); ++j)
      if (j != i) {
        const cv::Point2f d = mutual[j].a->pt - mi.a->pt;
        near.push_back({d.dot(d), j});
      }
    const size_t k = std::min<size_t>(8, near.size());
    std::partial_sort(near.begin(), near.begin() + std::ptrdiff_t(k), near.end());
    int agree = 0;
    for (size_t n = 0; n < k; ++n) {
      const Match& mj = mutual[near[n].second];
      const cv::Point2f da = mj.a->pt - mi.a->pt;
      const cv::Point2f predicted(c * da.x - s * da.y, s * da.x + c * da.y);
      const cv::Point2f err = (mj.f->pt - mi.f->pt) - predicted;
      const float tolerance = 0.3f * std::sqrt(near[n].first) * std::max(1.f, scale) + 4.f;
      if (err.dot(err) < tolerance * tolerance) ++agree;
    }
    supported[i] = agree >= 3;
  }
  // Each supported match pairs the neighbourhoods around its two keypoints: the reference patch
  // is mapped onto the frame by the match's similarity (position, scale, rotation) and compared
  // pixel by pixel in flat areas, where a pixel of misregistration changes nothing.
  // Each supported match says "this neighbourhood is that neighbourhood", not "this pixel is that
  // pixel" (faces turn, the framing changes). So the two neighbourhoods are compared as
  // distributions: pixels sorted by lightness, the mean colour of each lightness band in one
  // paired with the same band in the other. Local histogram matching, in effect: the content of
  // the two patches is the same, which is what global histogram matching lacks.
  int matches = 0;
  LightnessSorted pf_px, pa_px;
  auto gather = [](const cv::Mat& m, cv::Point2f centre, float radius, LightnessSorted& px) {
    px.clear();
    const int r = int(std::ceil(radius));
    for (int y = std::max(0, int(centre.y) - r); y <= std::min(m.rows - 1, int(centre.y) + r);
         ++y) {
      const float* row = m.ptr<float>(y);
      for (int x = std::max(0, int(centre.x) - r); x <= std::min(m.cols - 1, int(centre.x) + r);
           ++x) {
        const float dx = float(x) - centre.x, dy = float(y) - centre.y;
        if (dx * dx + dy * dy <= radius * radius) add_pixel(row + 3 * x, px);
      }
    }
    sort_by_lightness(px);
  };
  constexpr int kBands = kFeatureBands;
  for (size_t i = 0; i < mutual.size(); ++i) {
    if (!supported[i]) continue;
    const cv::KeyPoint& a = *mutual[i].a;
    const cv::KeyPoint& f = *mutual[i].f;
    gather(fb, f.pt, f.size, pf_px);
    gather(rb, a.pt, a.size, pa_px);
    if (pf_px.size() < 4 * kBands || pa_px.size() < 4 * kBands) continue;
    ++matches;
    pair_bands(pf_px, pa_px, kBands, out);
  }
  return matches;
}

void add_pairs(const cv::Mat& src, const cv::Mat& dst, const cv::Mat& weight,
               std::vector<ColourSample>& out) {
  for (int y = 0; y < src.rows; ++y) {
    const float* s = src.ptr<float>(y);
    const float* d = dst.ptr<float>(y);
    const float* w = weight.empty() ? nullptr : weight.ptr<float>(y);
    for (int x = 0; x < src.cols; ++x) {
      const float wt = w ? w[x] : 1.f;
      if (wt <= 0.05f) continue;
      out.push_back(
          {{s[3 * x], s[3 * x + 1], s[3 * x + 2]}, {d[3 * x], d[3 * x + 1], d[3 * x + 2]}, wt});
    }
  }
}

}  // namespace fl::analysis::correspondence
