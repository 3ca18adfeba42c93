// Character identity on Megamind.avi against the hand-checked labels (tests/data/
// megamind_faces.json), side by side with a classical peer and with our own ablations:
//   framelock                     the character analysis as shipped (no references)
//   framelock, named              references: Roxanne from frame 170, Glasses from frame 230
//   - no clothing colour          ablation: identity alone
//   - no two-in-a-frame rule      ablation: tracks that share a frame may merge
//   Haar + LBPH (OpenCV)          opencv-data's frontal-face cascade on every frame, each face
//                                 named by an LBPH recogniser trained on the two references
// Prints identity accuracy, purity, coverage, spurious characters and the wall time of each.
//
//   bench_characters [--labels tests/data/megamind_faces.json]
#include <chrono>
#include <cstdio>
#include <string>

#include <opencv2/face.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "analysis/cast_eval.h"
#include "analysis/characters.h"
#include "analysis/display_frame.h"
#include "io/frame_source.h"

using namespace fl;
using namespace fl::analysis;

namespace {

const std::string kClip = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
const std::string kCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void print(const char* name, const CastScore& s, double secs, size_t characters) {
  std::printf("%-28s %8.1f%% %8.1f%% %8.1f%% %9d %11zu %8.2f s\n", name, 100 * s.identity_accuracy,
              100 * s.purity, 100 * s.coverage, s.spurious, characters, secs);
}

Result<Cast> ours(const std::vector<ReferenceFace>& refs, const CharacterOptions& o) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(kClip, {}));
  return analyse_characters(*source, refs, o);
}

Result<ReferenceFace> reference(const std::string& name, int64_t frame) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(kClip, {}));
  FL_ASSIGN_OR_RETURN(Image img, source->read_frame(frame));
  return reference_face(name, kClip + "@" + std::to_string(frame), img, source->transfer());
}

// The classical pipeline: a Viola-Jones cascade finds faces, LBPH names them from one face each.
Result<Cast> haar_lbph() {
  cv::CascadeClassifier cascade;
  if (!cascade.load(kCascade)) return not_found(kCascade + " (Debian opencv-data)");
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(kClip, {}));
  auto faces_of = [&](const cv::Mat& bgr, cv::Mat* grey) {
    cv::cvtColor(bgr, *grey, cv::COLOR_BGR2GRAY);
    cv::equalizeHist(*grey, *grey);
    std::vector<cv::Rect> found;
    cascade.detectMultiScale(*grey, found, 1.1, 4, 0, {40, 40});
    return found;
  };
  std::vector<cv::Mat> train;
  std::vector<int> ids;
  for (auto [frame, id] : {std::pair<int64_t, int>{170, 1}, {230, 2}}) {
    FL_ASSIGN_OR_RETURN(cv::Mat bgr, display_bgr(*source, frame));
    cv::Mat grey;
    auto found = faces_of(bgr, &grey);
    if (found.empty())
      return not_found("the cascade finds no face in reference frame " + std::to_string(frame));
    auto largest = *std::max_element(found.begin(), found.end(),
                                     [](auto& a, auto& b) { return a.area() < b.area(); });
    cv::Mat chip;
    cv::resize(grey(largest), chip, {100, 100});
    train.push_back(chip);
    ids.push_back(id);
  }
  auto lbph = cv::face::LBPHFaceRecognizer::create();
  lbph->train(train, ids);
  Cast cast;
  cast.characters.resize(2);
  cast.characters[0].id = 1, cast.characters[0].name = "Roxanne";
  cast.characters[1].id = 2, cast.characters[1].name = "Glasses";
  for (auto& c : cast.characters) c.tracks.resize(1), c.tracks[0].end = 1 << 30;
  for (int64_t f = 0; f < source->info().frame_count; ++f) {
    FL_ASSIGN_OR_RETURN(cv::Mat bgr, display_bgr(*source, f));
    cv::Mat grey;
    for (const cv::Rect& r : faces_of(bgr, &grey)) {
      cv::Mat chip;
      cv::resize(grey(r), chip, {100, 100});
      const int id = lbph->predict(chip);
      cast.characters[size_t(id - 1)].tracks[0].boxes.push_back(
          {f, float(r.x), float(r.y), float(r.width), float(r.height), 1.0f});
    }
  }
  return cast;
}

}  // namespace

int main(int argc, char** argv) {
  std::string labels_path = "tests/data/megamind_faces.json";
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--labels") labels_path = argv[i + 1];
  auto labels = read_face_labels(labels_path);
  if (!labels.ok()) {
    std::fprintf(stderr, "%s\n", labels.status().to_string().c_str());
    return 1;
  }
  auto roxanne = reference("Roxanne", 170), glasses = reference("Glasses", 230);
  if (!roxanne.ok() || !glasses.ok()) {
    std::fprintf(stderr, "references: %s\n",
                 (!roxanne.ok() ? roxanne : glasses).status().to_string().c_str());
    return 1;
  }
  std::printf("Megamind.avi against %s, 2 cores\n", labels_path.c_str());
  std::printf("%-28s %9s %9s %9s %9s %11s %10s\n", "method", "identity", "purity", "coverage",
              "spurious", "characters", "time");
  struct Run {
    const char* name;
    std::vector<ReferenceFace> refs;
    CharacterOptions options;
  };
  CharacterOptions no_body, no_rule;
  no_body.use_body_colour = false;
  no_rule.use_constraints = false;
  for (const Run& run :
       {Run{"framelock", {}, {}}, Run{"framelock, named", {*roxanne, *glasses}, {}},
        Run{"- no clothing colour", {}, no_body}, Run{"- no two-in-a-frame rule", {}, no_rule}}) {
    const auto t = std::chrono::steady_clock::now();
    auto cast = ours(run.refs, run.options);
    const double secs = seconds_since(t);
    if (!cast.ok()) {
      std::fprintf(stderr, "%s: %s\n", run.name, cast.status().to_string().c_str());
      return 1;
    }
    print(run.name, score_cast(*cast, *labels, !run.refs.empty()), secs, cast->characters.size());
  }
  const auto t = std::chrono::steady_clock::now();
  auto peer = haar_lbph();
  const double secs = seconds_since(t);
  if (!peer.ok()) {
    std::fprintf(stderr, "Haar + LBPH: %s\n", peer.status().to_string().c_str());
    return 1;
  }
  print("Haar + LBPH (OpenCV)", score_cast(*peer, *labels, true), secs, peer->characters.size());
  return 0;
}
