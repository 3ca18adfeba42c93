// The model files: found, checked by SHA-256 before they load, refused with a message that names
// the file and the set-up command when missing or altered.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ml/models.h"
#include "test_support.h"

namespace fl::ml {
namespace {

namespace fs = std::filesystem;

// Points FRAMELOCK_MODELS at `dir` for one test.
class ModelDirOverride {
 public:
  explicit ModelDirOverride(const std::string& dir) {
    if (const char* old = std::getenv("FRAMELOCK_MODELS")) old_ = old;
    ::setenv("FRAMELOCK_MODELS", dir.c_str(), 1);
  }
  ~ModelDirOverride() {
    if (old_.empty())
      ::unsetenv("FRAMELOCK_MODELS");
    else
      ::setenv("FRAMELOCK_MODELS", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

constexpr ModelId kAll[] = {ModelId::kFaceDetectFar, ModelId::kFaceDetectNear,
                            ModelId::kFaceDescriptor, ModelId::kPersonSegmenter};

TEST(Models, EveryModelIsPinnedBySetupsList) {
  for (ModelId id : kAll) {
    const ModelFile& m = model_file(id);
    EXPECT_EQ(m.sha256.size(), 64u) << m.file;
    EXPECT_EQ(model_key(id), m.sha256);
  }
}

TEST(Models, InstalledModelsVerifyAndLoad) {
  for (ModelId id : kAll) {
    auto net = load_model(id);
    ASSERT_TRUE(net.ok()) << net.status().to_string();
    EXPECT_FALSE(net->empty());
  }
}

TEST(Models, AMissingModelNamesTheFileAndTheSetUp) {
  test::TempDir dir;
  ModelDirOverride over(dir.path().string());
  auto path = verified_model_path(ModelId::kFaceDescriptor);
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), ErrorCode::kNotFound);
  const std::string& m = path.status().message();
  EXPECT_NE(m.find("dlib_face_recognition_resnet_v1.onnx"), std::string::npos) << m;
  EXPECT_NE(m.find("scripts/setup_models.sh"), std::string::npos) << m;
  EXPECT_FALSE(load_model(ModelId::kFaceDescriptor).ok());
}

// One byte changed, or the file cut short: the hash differs and nothing is loaded.
TEST(Models, AnAlteredModelIsRefusedBeforeItLoads) {
  auto good = verified_model_path(ModelId::kFaceDetectNear);
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  for (bool truncate : {false, true}) {
    test::TempDir dir;
    const std::string copy = dir.file(std::string(model_file(ModelId::kFaceDetectNear).file));
    fs::copy_file(*good, copy);
    if (truncate) {
      fs::resize_file(copy, fs::file_size(copy) / 2);
    } else {
      std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(1000);
      f.put('\x5a');
    }
    ModelDirOverride over(dir.path().string());
    auto path = verified_model_path(ModelId::kFaceDetectNear);
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.status().code(), ErrorCode::kCorruptData);
    const std::string& m = path.status().message();
    EXPECT_NE(m.find(copy), std::string::npos) << m;
    EXPECT_NE(m.find("SHA-256"), std::string::npos) << m;
    EXPECT_NE(m.find("scripts/setup_models.sh"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace fl::ml
