// The content classifier (nsfwjs MobileNetV2 mid, converted at set-up) on footage it must leave
// alone: every still of opencv-doc and every 5th frame of Megamind.avi and vtest.avi, none of
// which any studio would flag. The scores are printed as the held-out report docs/models.md
// quotes; no class a content policy acts on may come near a threshold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "ml/content_classifier.h"
#include "test_support.h"

namespace fl::ml {
namespace {

struct Scored {
  std::string what;
  ContentScores s;
};

std::vector<Scored> score_clip(ContentClassifier& c, const std::string& name, int every) {
  std::vector<Scored> out;
  cv::VideoCapture cap(test::opencv_data(name));
  cv::Mat frame;
  for (int f = 0; cap.read(frame); ++f)
    if (f % every == 0) out.push_back({name + "@" + std::to_string(f), c.classify(frame)});
  return out;
}

TEST(ContentClassifier, OrdinaryFootageIsNeverFlagged) {
  auto classifier = ContentClassifier::open();
  ASSERT_TRUE(classifier.ok()) << classifier.status().to_string();
  std::vector<Scored> all;
  const auto dir = std::filesystem::path(test::opencv_data("Megamind.avi")).parent_path();
  std::vector<std::filesystem::path> stills;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".jpg" || e.path().extension() == ".png")
      stills.push_back(e.path());
  std::sort(stills.begin(), stills.end());
  for (const auto& p : stills) {
    const cv::Mat img = cv::imread(p.string());
    if (img.empty() || std::min(img.cols, img.rows) < 64) continue;  // glyphs, tiny templates
    all.push_back({p.filename().string(), classifier->classify(img)});
  }
  const size_t n_stills = all.size();
  auto mega = score_clip(*classifier, "Megamind.avi", 5);
  auto vtest = score_clip(*classifier, "vtest.avi", 5);
  all.insert(all.end(), mega.begin(), mega.end());
  all.insert(all.end(), vtest.begin(), vtest.end());
  ASSERT_GT(n_stills, 20u);
  ASSERT_EQ(mega.size(), 54u);

  // The report: per class, the mean and the worst item.
  std::printf("held-out neutral set: %zu stills, %zu frames\n", n_stills, all.size() - n_stills);
  for (size_t k = 0; k < kContentClasses; ++k) {
    double sum = 0;
    const Scored* worst = &all[0];
    for (const auto& x : all) {
      sum += x.s.p[k];
      if (x.s.p[k] > worst->s.p[k]) worst = &x;
    }
    std::printf("  %-8s mean %.3f  max %.3f (%s)\n",
                std::string(content_class_name(ContentClass(k))).c_str(), sum / all.size(),
                worst->s.p[k], worst->what.c_str());
  }
  for (const auto& x : all) {
    const float total = std::accumulate(x.s.p.begin(), x.s.p.end(), 0.0f);
    EXPECT_NEAR(total, 1.0f, 1e-4) << x.what;
    // Half the lowest threshold docs/security.md suggests.
    EXPECT_LT(x.s[ContentClass::kPorn] + x.s[ContentClass::kHentai], 0.5f) << x.what;
    EXPECT_LT(x.s[ContentClass::kSexy], 0.5f) << x.what;
  }
  // It sees what it is shown: Megamind is animation, vtest a camera's street.
  auto mean = [](const std::vector<Scored>& v, ContentClass c) {
    double s = 0;
    for (const auto& x : v) s += x.s[c];
    return s / v.size();
  };
  EXPECT_GT(mean(mega, ContentClass::kDrawing), 0.45);
  EXPECT_GT(mean(vtest, ContentClass::kNeutral), 0.75);
  EXPECT_GT(mean(mega, ContentClass::kDrawing), 2.5 * mean(vtest, ContentClass::kDrawing));
}

}  // namespace
}  // namespace fl::ml
