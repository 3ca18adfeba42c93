#include "analysis/characters.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "analysis/character_tracks.h"
#include "analysis/display_frame.h"
#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "ml/face_descriptor.h"
#include "ml/face_detector.h"

namespace fl::analysis {
namespace {

// What lies below a face: the clothing, which tells two people apart when their faces are turned
// away or small, and whose colour continuity watches.
cv::Rect clothing_region(const cv::Rect2f& face) {
  return cv::Rect(int(face.x - 0.5f * face.width), int(face.y + 1.2f * face.height),
                  int(2.0f * face.width), int(1.5f * face.height));
}

// Hue-saturation histogram (8x4, normalised) of the clothing.
std::vector<float> body_colour(const cv::Mat& bgr, const cv::Rect2f& face) {
  const cv::Rect body = clothing_region(face) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  std::vector<float> hist(32, 0.f);
  if (body.area() < 16) return {};
  cv::Mat hsv;
  cv::cvtColor(bgr(body), hsv, cv::COLOR_BGR2HSV);
  float n = 0;
  for (int y = 0; y < hsv.rows; ++y)
    for (const cv::Vec3b& p : cv::Mat_<cv::Vec3b>(hsv.row(y))) {
      if (p[2] < 24) continue;  // black carries no hue
      hist[size_t(std::min(7, p[0] * 8 / 180) * 4 + std::min(3, p[1] / 64))] += 1, n += 1;
    }
  if (n < 16) return {};
  for (float& v : hist) v /= n;
  return hist;
}

// Mean CIELAB of a region (8-bit BGR taken as sRGB); false when too little of it is in frame.
bool mean_lab(const cv::Mat& bgr, cv::Rect region, std::array<double, 3>& lab) {
  region &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (region.area() < 16) return false;
  cv::Mat f, l;
  bgr(region).convertTo(f, CV_32F, 1.0 / 255);
  cv::cvtColor(f, l, cv::COLOR_BGR2Lab);
  const cv::Scalar m = cv::mean(l);
  lab = {m[0], m[1], m[2]};
  return true;
}

// The middle half of the face (skin, not hair or background) and the clothing below it.
Appearance appearance(const cv::Mat& bgr, const cv::Rect2f& face) {
  Appearance a;
  const cv::Rect skin(int(face.x + face.width / 4), int(face.y + face.height / 4),
                      int(face.width / 2), int(face.height / 2));
  a.face_seen = mean_lab(bgr, skin, a.face) ? 1 : 0;
  a.clothing_seen = mean_lab(bgr, clothing_region(face), a.clothing) ? 1 : 0;
  return a;
}

}  // namespace

void Appearance::add(const Appearance& o) {
  auto blend = [](std::array<double, 3>& mine, int& n, const std::array<double, 3>& theirs, int m) {
    if (m == 0) return;
    for (size_t i = 0; i < 3; ++i) mine[i] = (mine[i] * n + theirs[i] * m) / (n + m);
    n += m;
  };
  blend(face, face_seen, o.face, o.face_seen);
  blend(clothing, clothing_seen, o.clothing, o.clothing_seen);
}

int64_t Character::frames_seen() const {
  int64_t n = 0;
  for (const auto& t : tracks) n += int64_t(t.boxes.size());
  return n;
}

Result<ReferenceFace> reference_face(const std::string& name, const std::string& path,
                                     const Image& linear, colour::Transfer transfer) {
  const cv::Mat bgr = display_bgr(linear, transfer);
  FL_ASSIGN_OR_RETURN(auto detector, ml::FaceDetector::open());
  auto faces = detector.detect(bgr);
  if (faces.empty())
    return invalid_argument("reference '" + name + "' (" + path + ") shows no face");
  auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.box.area() < b.box.area();
  });
  FL_ASSIGN_OR_RETURN(auto describer, ml::FaceDescriber::open());
  ReferenceFace ref{name, path, {}, appearance(bgr, largest->box)};
  ref.descriptor = describer.describe(bgr, {*largest})[0];
  return ref;
}

Result<Cast> analyse_characters(const CharacterClip& clip,
                                const std::vector<ReferenceFace>& references,
                                const CharacterOptions& options,
                                const CharacterProgress& progress) {
  const int64_t total = clip.frame_count;
  if (total <= 0) return invalid_argument("'" + clip.path + "': no frames to analyse");
  FL_ASSIGN_OR_RETURN(auto detector,
                      ml::FaceDetector::open(ml::ModelId::kFaceDetectFar, {options.min_score}));
  FL_ASSIGN_OR_RETURN(auto describer, ml::FaceDescriber::open());

  std::vector<FrameSignature> signatures;
  signatures.reserve(size_t(total));
  std::vector<std::vector<Sighting>> sightings(static_cast<size_t>(total));
  const float to_full = float(1.0 / clip.scale);
  for (int64_t i = 0; i < total; ++i) {
    FrameSignature sig;
    FL_ASSIGN_OR_RETURN(cv::Mat bgr, clip.read(i, &sig));
    signatures.push_back(std::move(sig));
    // Faces are found on a frame at most analysis_width wide; identity and clothing are read
    // from the frame as read.
    const double scale = std::min(1.0, double(options.analysis_width) / bgr.cols);
    cv::Mat small = bgr;
    if (scale < 1) cv::resize(bgr, small, {}, scale, scale, cv::INTER_AREA);
    auto faces = detector.detect(small);
    std::vector<ml::FaceDetection> to_describe;
    std::vector<size_t> described;
    auto& here = sightings[size_t(i)];
    for (auto& f : faces) {
      f.box =
          cv::Rect2f(f.box.x / scale, f.box.y / scale, f.box.width / scale, f.box.height / scale);
      for (auto& k : f.keypoints) k /= scale;
      Sighting s;
      s.box = {i,
               f.box.x * to_full,
               f.box.y * to_full,
               f.box.width * to_full,
               f.box.height * to_full,
               f.score};
      s.body = body_colour(bgr, f.box);
      s.look = appearance(bgr, f.box);
      // Identity every few frames, and wherever a face appears that the last frame did not show.
      bool continues = false;
      if (i > 0)
        for (const Sighting& prev : sightings[size_t(i - 1)])
          continues |= box_iou(prev.box, s.box) > options.link_iou;
      if (!continues || i % options.descriptor_stride == 0) {
        to_describe.push_back(f);
        described.push_back(here.size());
      }
      here.push_back(std::move(s));
    }
    auto descriptors = describer.describe(bgr, to_describe);
    for (size_t k = 0; k < described.size(); ++k) {
      here[described[k]].descriptor = descriptors[k];
      here[described[k]].has_descriptor = true;
    }
    if (progress && !progress(i + 1, total)) return cancelled("character analysis cancelled");
  }

  Cast cast;
  cast.path = clip.path;
  cast.frame_count = total;
  ShotOptions shot_options;
  cast.shots = detect_shots(signatures, shot_options);
  const std::string start = clip.timecode.empty() ? "00:00:00:00" : clip.timecode;
  for (Shot& s : cast.shots) {
    s.timecode_in = io::add_timecode_frames(start, s.first, clip.frame_rate);
    s.timecode_out = io::add_timecode_frames(start, s.last, clip.frame_rate);
  }
  auto tracks = follow_faces(sightings, cast.shots, options);
  cast.characters = gather_characters(tracks, references, options, &cast.note);
  if (cast.characters.empty() && cast.note.empty())
    cast.note = "no faces found in " + std::to_string(total) + " frames";
  return cast;
}

Result<Cast> analyse_characters(io::FrameSource& source,
                                const std::vector<ReferenceFace>& references,
                                const CharacterOptions& options,
                                const CharacterProgress& progress) {
  const MediaInfo& info = source.info();
  CharacterClip clip{info.path,
                     info.frame_count,
                     info.frame_rate,
                     info.timecode,
                     1.0,
                     [&](int64_t i, FrameSignature* sig) { return display_bgr(source, i, sig); }};
  return analyse_characters(clip, references, options, progress);
}

}  // namespace fl::analysis
