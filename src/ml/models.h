// The model files framelock runs (docs/models.md): found in the model directory, checked by
// SHA-256 against the list scripts/setup_models.sh installs them by, and loaded into OpenCV DNN.
// Nothing is downloaded here; a missing or altered file is an error naming it and the set-up.
#pragma once

#include <string>
#include <string_view>

#include <opencv2/dnn.hpp>

#include "framelock/status.h"

namespace fl::ml {

enum class ModelId {
  kFaceDetectFar,      // BlazeFace back-camera, 256x256: whole frames, faces from ~20 px
  kFaceDetectNear,     // BlazeFace front-camera, 128x128: a crop around one face
  kFaceDescriptor,     // dlib ResNet, 150x150 aligned chip -> 128-d identity
  kPersonSegmenter,    // MediaPipe selfie segmentation, 256x256 -> person probability
  kContentClassifier,  // nsfwjs MobileNetV2 mid, 224x224 -> five content classes
};

struct ModelFile {
  ModelId id;
  std::string_view file;    // under the model directory
  std::string_view sha256;  // hex, from scripts/models/SHA256SUMS
};

const ModelFile& model_file(ModelId id);

// $FRAMELOCK_MODELS, else the checkout's models/ (where scripts/setup_models.sh puts them).
std::string model_dir();

// The model's path once its bytes are known to be the pinned ones (hashed once per process and
// file state: path, size, mtime, inode). kNotFound or kCorruptData naming the file and the set-up
// command otherwise.
Result<std::string> verified_model_path(ModelId id);

// A fresh network (one per thread that runs it: OpenCV's Net is not re-entrant).
Result<cv::dnn::Net> load_model(ModelId id);

// What an analysis that runs this model folds into its key: the pinned SHA-256.
std::string_view model_key(ModelId id);

}  // namespace fl::ml
