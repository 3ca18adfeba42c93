// Faces found and described on real pictures: OpenCV's sample photo and Megamind.avi's two leads.
// The boxes below were checked by eye on a contact sheet of those frames.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "ml/face_descriptor.h"
#include "ml/face_detector.h"
#include "test_support.h"

namespace fl::ml {
namespace {

std::map<int, cv::Mat> megamind_frames(std::initializer_list<int> wanted) {
  std::map<int, cv::Mat> out;
  cv::VideoCapture cap(test::opencv_data("Megamind.avi"));
  cv::Mat frame;
  const int last = std::max(wanted);
  for (int f = 0; f <= last && cap.read(frame); ++f)
    if (std::find(wanted.begin(), wanted.end(), f) != wanted.end()) out[f] = frame.clone();
  return out;
}

cv::Point2f centre(const cv::Rect2f& r) { return {r.x + r.width / 2, r.y + r.height / 2}; }

TEST(FaceDetector, FindsTheFaceInOpenCVsSamplePhoto) {
  auto det = FaceDetector::open();
  ASSERT_TRUE(det.ok()) << det.status().to_string();
  const cv::Mat photo = cv::imread(test::opencv_data("messi5.jpg"));
  ASSERT_FALSE(photo.empty());
  auto faces = det->detect(photo);
  ASSERT_FALSE(faces.empty());
  const FaceDetection& f = faces[0];
  EXPECT_GT(f.score, 0.8f);
  EXPECT_LT(cv::norm(centre(f.box) - cv::Point2f(243, 116)), 8.0);
  EXPECT_GT(f.box.width, 28.0f);
  EXPECT_LT(f.box.width, 50.0f);
  // The eyes above the nose, above the mouth; the subject's right eye on the image's left.
  EXPECT_LT(f.keypoints[0].x, f.keypoints[1].x);
  EXPECT_LT(f.keypoints[0].y, f.keypoints[2].y);
  EXPECT_LT(f.keypoints[2].y, f.keypoints[3].y);
}

TEST(FaceDetector, NothingInAnEmptyOrNoisyPicture) {
  auto det = FaceDetector::open();
  ASSERT_TRUE(det.ok());
  cv::Mat black(480, 640, CV_8UC3, cv::Scalar::all(0)), noise(480, 640, CV_8UC3);
  cv::RNG(7).fill(noise, cv::RNG::UNIFORM, 0, 256);
  EXPECT_TRUE(det->detect(black).empty());
  EXPECT_TRUE(det->detect(noise).empty());
}

// Each lead of Megamind's four shots, and the man behind Roxanne in shot 0.
TEST(FaceDetector, FindsTheLeadsInEveryShotOfMegamind) {
  auto det = FaceDetector::open();
  ASSERT_TRUE(det.ok());
  const std::map<int, std::vector<cv::Rect2f>> labelled = {
      {10, {{245, 215, 137, 137}, {426, 197, 73, 73}}},
      {100, {{417, 142, 155, 155}}},
      {160, {{212, 164, 152, 152}}},
      {210, {{262, 126, 276, 276}}},
  };
  auto frames = megamind_frames({10, 100, 160, 210});
  for (const auto& [f, boxes] : labelled) {
    auto faces = det->detect(frames.at(f));
    EXPECT_EQ(faces.size(), boxes.size()) << "frame " << f;
    for (const auto& want : boxes) {
      float best = 0;
      for (const auto& got : faces) best = std::max(best, intersection_over_union(want, got.box));
      EXPECT_GT(best, 0.7f) << "frame " << f;
    }
  }
}

// The letterbox is undone: a picture padded or halved gives the same face, moved or halved.
TEST(FaceDetector, BoxesAreInThePicturesOwnPixels) {
  auto det = FaceDetector::open();
  ASSERT_TRUE(det.ok());
  const cv::Mat frame = megamind_frames({100}).at(100);
  auto base = det->detect(frame);
  ASSERT_EQ(base.size(), 1u);
  cv::Mat padded, half;
  cv::copyMakeBorder(frame, padded, 40, 0, 300, 0, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  cv::resize(frame, half, {}, 0.5, 0.5, cv::INTER_AREA);
  auto moved = det->detect(padded);
  auto halved = det->detect(half);
  ASSERT_EQ(moved.size(), 1u);
  ASSERT_EQ(halved.size(), 1u);
  EXPECT_LT(cv::norm(centre(moved[0].box) - centre(base[0].box) - cv::Point2f(300, 40)), 4.0);
  EXPECT_LT(cv::norm(centre(halved[0].box) * 2 - centre(base[0].box)), 6.0);
  EXPECT_NEAR(halved[0].box.width * 2, base[0].box.width, 8.0);
}

// Roxanne (shots 0 and 2) and the man in glasses (shots 1 and 3), across their shots: every face
// is nearer to the same person's other faces than to the other lead's, and within dlib's 0.6.
TEST(FaceDescriber, TellsTheTwoLeadsApartAcrossShots) {
  auto det = FaceDetector::open();
  auto desc = FaceDescriber::open();
  ASSERT_TRUE(det.ok() && desc.ok());
  const std::vector<int> roxanne = {20, 40, 70, 160, 180}, man = {110, 130, 150, 210, 250};
  std::vector<int> all = roxanne;
  all.insert(all.end(), man.begin(), man.end());
  auto frames = megamind_frames({20, 40, 70, 110, 130, 150, 160, 180, 210, 250});
  std::vector<FaceDescriptor> d;
  for (int f : all) {
    auto faces = det->detect(frames.at(f));
    ASSERT_FALSE(faces.empty()) << f;
    d.push_back(desc->describe(frames.at(f), {faces[0]})[0]);
  }
  auto who = [&](size_t i) { return i < roxanne.size() ? 0 : 1; };
  for (size_t i = 0; i < d.size(); ++i) {
    float same = 1e9f, other = 1e9f, worst_same = 0;
    for (size_t j = 0; j < d.size(); ++j) {
      if (i == j) continue;
      const float dist = descriptor_distance(d[i], d[j]);
      if (who(i) == who(j)) {
        same = std::min(same, dist);
        worst_same = std::max(worst_same, dist);
      } else {
        other = std::min(other, dist);
      }
    }
    EXPECT_LT(same, other) << "frame " << all[i];
    EXPECT_LT(worst_same, kSamePersonDistance) << "frame " << all[i];
  }
}

}  // namespace
}  // namespace fl::ml
