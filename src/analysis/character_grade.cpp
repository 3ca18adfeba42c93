#include "analysis/character_grade.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fl::analysis {
namespace {

constexpr int kBands = 8;
constexpr double kFaceWeight = 2.0, kClothingWeight = 1.0;
// How strongly each coefficient is held to no change: small, so the samples decide where they
// speak, and enough that what no sample covers stays near identity.
constexpr double kRidge = 0.01;
constexpr size_t kMinClothing = 64;

using Row = CharacterGrade::Row;

Row features(const cv::Vec3f& p) {
  return {1, p[0], p[1], p[2], double(p[0]) * p[0], double(p[1]) * p[1], double(p[2]) * p[2]};
}

// The region's mean colour in each of kBands bands of lightness (equal pixel counts).
std::vector<cv::Vec3f> band_means(std::vector<cv::Vec3f> px) {
  std::sort(px.begin(), px.end(), [](const cv::Vec3f& a, const cv::Vec3f& b) {
    return 0.2126f * a[0] + 0.7152f * a[1] + 0.0722f * a[2] <
           0.2126f * b[0] + 0.7152f * b[1] + 0.0722f * b[2];
  });
  std::vector<cv::Vec3f> out;
  for (int k = 0; k < kBands; ++k) {
    const size_t a = px.size() * size_t(k) / kBands, b = px.size() * size_t(k + 1) / kBands;
    cv::Vec3d sum(0, 0, 0);
    for (size_t i = a; i < b; ++i) sum += cv::Vec3d(px[i]);
    out.push_back(b > a ? cv::Vec3f(sum * (1.0 / double(b - a))) : cv::Vec3f());
  }
  return out;
}

double eval(const Row& m, const cv::Vec3f& p) {
  const Row f = features(p);
  double v = 0;
  for (size_t i = 0; i < f.size(); ++i) v += m[i] * f[i];
  return v;
}

}  // namespace

void sample_character(const cv::Mat& rgb, const cv::Mat& matte, const cv::Rect2f& face,
                      LookSamples& into) {
  const cv::Rect frame(0, 0, rgb.cols, rgb.rows);
  // Skin: the middle half of the face box (not hair, not background).
  const cv::Rect skin = cv::Rect(int(face.x + face.width / 4), int(face.y + face.height / 4),
                                 int(face.width / 2), int(face.height / 2)) &
                        frame;
  for (int y = skin.y; y < skin.y + skin.height; ++y)
    for (int x = skin.x; x < skin.x + skin.width; ++x) into.face.push_back(rgb.at<cv::Vec3f>(y, x));
  // Clothing: what the matte holds firmly below the chin, within the shoulders.
  const cv::Rect body = cv::Rect(int(face.x - face.width), int(face.y + 1.3f * face.height),
                                 int(3 * face.width), int(2.5f * face.height)) &
                        frame;
  const int step = std::max(1, int(std::sqrt(double(body.area()) / 4000.0)));
  for (int y = body.y; y < body.y + body.height; y += step)
    for (int x = body.x; x < body.x + body.width; x += step)
      if (matte.at<float>(y, x) > 0.8f) into.clothing.push_back(rgb.at<cv::Vec3f>(y, x));
}

bool CharacterGrade::is_identity() const { return m == CharacterGrade().m; }

void CharacterGrade::apply(float* rgba, const float* weight, size_t pixels) const {
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    const float w = weight[i];
    if (w <= 0) continue;
    const cv::Vec3f p(rgba[0], rgba[1], rgba[2]);
    for (size_t k = 0; k < 3; ++k) rgba[k] += (float(eval(m[k], p)) - rgba[k]) * w;
  }
}

void CharacterGrade::apply(cv::Vec3f& p) const {
  const cv::Vec3f in = p;
  for (size_t k = 0; k < 3; ++k) p[int(k)] = float(eval(m[k], in));
}

CharacterGrade CharacterGrade::blended(double k) const {
  CharacterGrade out;
  const CharacterGrade none;
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < 7; ++i) out.m[c][i] = none.m[c][i] + (m[c][i] - none.m[c][i]) * k;
  return out;
}

CharacterGrade fit_character_grade(const LookSamples& shot, const LookSamples& reference) {
  CharacterGrade grade;
  if (shot.face.empty() || reference.face.empty()) return grade;
  std::vector<std::pair<cv::Vec3f, cv::Vec3f>> pairs;
  std::vector<double> weights;
  auto add_region = [&](const std::vector<cv::Vec3f>& from, const std::vector<cv::Vec3f>& to,
                        double w) {
    const auto a = band_means(from), b = band_means(to);
    for (size_t k = 0; k < a.size(); ++k) pairs.emplace_back(a[k], b[k]), weights.push_back(w);
  };
  add_region(shot.face, reference.face, kFaceWeight);
  if (shot.clothing.size() >= kMinClothing && reference.clothing.size() >= kMinClothing)
    add_region(shot.clothing, reference.clothing, kClothingWeight);

  for (size_t c = 0; c < 3; ++c) {
    // Weighted ridge regression toward no change, with the bends, then without them when a
    // bend would fold the channel over on [0, 1].
    for (int terms : {7, 4}) {
      cv::Mat A = cv::Mat::eye(terms, terms, CV_64F) * kRidge, rhs(terms, 1, CV_64F);
      for (int i = 0; i < terms; ++i) rhs.at<double>(i) = kRidge * CharacterGrade().m[c][size_t(i)];
      for (size_t p = 0; p < pairs.size(); ++p) {
        const Row f = features(pairs[p].first);
        for (int i = 0; i < terms; ++i) {
          for (int j = 0; j < terms; ++j)
            A.at<double>(i, j) += weights[p] * f[size_t(i)] * f[size_t(j)];
          rhs.at<double>(i) += weights[p] * f[size_t(i)] * pairs[p].second[int(c)];
        }
      }
      cv::Mat x;
      cv::solve(A, rhs, x, cv::DECOMP_SVD);
      Row row{};
      for (int i = 0; i < terms; ++i) row[size_t(i)] = x.at<double>(i);
      const double own = row[1 + c], bend = row[4 + c];
      if (terms == 4 || (own > 0.2 && own + 2 * bend > 0.2)) {
        grade.m[c] = row;
        break;
      }
    }
  }
  // Face first: whatever the fit traded for the clothing, the face's mean lands on the
  // reference's.
  cv::Vec3d graded(0, 0, 0), target(0, 0, 0);
  for (cv::Vec3f p : shot.face) grade.apply(p), graded += cv::Vec3d(p);
  for (const cv::Vec3f& p : reference.face) target += cv::Vec3d(p);
  for (size_t c = 0; c < 3; ++c)
    grade.m[c][0] +=
        target[int(c)] / double(reference.face.size()) - graded[int(c)] / double(shot.face.size());
  return grade;
}

colour::Lab mean_face_lab(const LookSamples& s, colour::Transfer transfer,
                          const CharacterGrade* grade) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(transfer);
  colour::Lab sum{0, 0, 0};
  for (cv::Vec3f p : s.face) {
    if (grade) grade->apply(p);
    float rgba[4] = {std::clamp(p[0], 0.f, 1.f), std::clamp(p[1], 0.f, 1.f),
                     std::clamp(p[2], 0.f, 1.f), 1.f};
    curve.rgba_to_linear(rgba, 1);
    const colour::Lab lab = colour::lab_from_linear_rec709(rgba[0], rgba[1], rgba[2]);
    for (int k = 0; k < 3; ++k) sum[size_t(k)] += lab[size_t(k)];
  }
  const double n = std::max<double>(1, double(s.face.size()));
  return {sum[0] / n, sum[1] / n, sum[2] / n};
}

}  // namespace fl::analysis
