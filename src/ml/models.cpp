#include "ml/models.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace fl::ml {
namespace {

// The list setup_models.sh checks, compiled in (generated from scripts/models/SHA256SUMS).
#include "ml/model_sums.inc"

constexpr std::string_view kSetup = "scripts/setup_models.sh";

struct FileState {
  std::string path;
  int64_t size, mtime_ns, inode;
  auto operator<=>(const FileState&) const = default;
};

std::string_view pinned_sum(std::string_view file) {
  for (const auto& [name, sum] : kModelSums)
    if (name == file) return sum;
  return {};
}

Result<std::string> sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("model file '" + path + "' cannot be read: run " + std::string(kSetup));
  Hasher h;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) h.add_raw(buf.data(), size_t(in.gcount()));
  }
  if (in.bad()) return corrupt_data("model file '" + path + "': read error");
  return h.finish().hex();
}

}  // namespace

const ModelFile& model_file(ModelId id) {
  static const ModelFile files[] = {
      {ModelId::kFaceDetectFar, "face_detection_back_256x256_barracuda.onnx", {}},
      {ModelId::kFaceDetectNear, "face_detection_front_128x128_barracuda.onnx", {}},
      {ModelId::kFaceDescriptor, "dlib_face_recognition_resnet_v1.onnx", {}},
      {ModelId::kPersonSegmenter, "selfie_segmentation_256.onnx", {}},
      {ModelId::kContentClassifier, "nsfwjs_mobilenet_v2_mid_224.onnx", {}},
  };
  static const std::vector<ModelFile> pinned = [] {
    std::vector<ModelFile> v;
    for (ModelFile f : files) {
      f.sha256 = pinned_sum(f.file);
      v.push_back(f);
    }
    return v;
  }();
  return pinned.at(size_t(id));
}

std::string model_dir() {
  if (const char* env = std::getenv("FRAMELOCK_MODELS"); env && *env) return env;
  return FL_DEFAULT_MODEL_DIR;
}

Result<std::string> verified_model_path(ModelId id) {
  const ModelFile& m = model_file(id);
  const std::string path = model_dir() + "/" + std::string(m.file);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return not_found("model file '" + path + "' is missing: run " + std::string(kSetup) +
                     " (or set FRAMELOCK_MODELS to the folder that holds it)");
  if (m.sha256.empty())
    return internal_error("model '" + std::string(m.file) + "' has no pinned SHA-256");
  const FileState state{path, int64_t(st.st_size),
                        int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                        int64_t(st.st_ino)};
  static std::mutex mu;
  static std::map<FileState, bool> checked;
  {
    std::lock_guard lock(mu);
    if (auto it = checked.find(state); it != checked.end() && it->second) return path;
  }
  FL_ASSIGN_OR_RETURN(std::string sum, sha256_of_file(path));
  if (sum != m.sha256)
    return corrupt_data("model file '" + path + "' has SHA-256 " + sum + ", not the pinned " +
                        std::string(m.sha256) + " (damaged or replaced): run " +
                        std::string(kSetup));
  std::lock_guard lock(mu);
  checked[state] = true;
  return path;
}

Result<cv::dnn::Net> load_model(ModelId id) {
  FL_ASSIGN_OR_RETURN(std::string path, verified_model_path(id));
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) return corrupt_data("model file '" + path + "' holds no network");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    return corrupt_data("model file '" + path + "' does not load: " + e.what());
  }
}

std::string_view model_key(ModelId id) { return model_file(id).sha256; }

}  // namespace fl::ml
