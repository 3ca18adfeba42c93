#include "analysis/characters.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numeric>

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <opencv2/imgproc.hpp>

#include "analysis/body_follow.h"
#include "analysis/character_tracks.h"
#include "analysis/display_frame.h"
#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "ml/face_descriptor.h"
#include "ml/face_detector.h"

namespace fl::analysis {

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

Result<ReferenceFace> reference_face_from_file(const std::string& name, const std::string& path) {
  auto source = io::open_source(path, {});
  if (!source.ok()) return Status(source.status()).with_context("reference '" + name + "': ");
  auto frame = (*source)->read_frame(0);
  if (!frame.ok()) return Status(frame.status()).with_context("reference '" + name + "': ");
  return reference_face(name, path, *frame, (*source)->transfer());
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

namespace {

// The face width (pixels) an identity chip wants: dlib's 150-pixel chip holds a face of about
// 100, so a face read smaller than this comes from the full-resolution frame.
constexpr float kIdentityFaceWidth = 160.f;
// A frame difference no camera move makes (signature_distance): nothing is followed across it.
// Subtler cuts are found by the shot detector after the pass, and what was followed across them
// is dropped then.
constexpr double kSurelyACut = 0.3;

// A frame in flight through the analysis pipeline.
struct Work {
  int64_t index = 0;
  AnalysisFrame frame;
  std::vector<ml::FaceDetection> faces;  // in frame's bgr pixels
  std::vector<Sighting> sightings;       // in full-frame pixels
};

// Detectors for the frames analysed at once: a network is not re-entrant.
class DetectorPool {
 public:
  explicit DetectorPool(float min_score) : min_score_(min_score) {}
  Result<ml::FaceDetector> take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        ml::FaceDetector d = std::move(idle_.back());
        idle_.pop_back();
        return d;
      }
    }
    return ml::FaceDetector::open(ml::ModelId::kFaceDetectFar, {min_score_});
  }
  void give_back(ml::FaceDetector d) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(d));
  }

 private:
  float min_score_;
  std::mutex mu_;
  std::vector<ml::FaceDetector> idle_;
};

// Faces on one frame (at most analysis_width wide), with their clothing and look.
Status find_faces(Work& w, DetectorPool& detectors, const CharacterOptions& options,
                  float to_full) {
  const cv::Mat& bgr = w.frame.bgr;
  const double scale = std::min(1.0, double(options.analysis_width) / bgr.cols);
  cv::Mat small = bgr;
  if (scale < 1) cv::resize(bgr, small, {}, scale, scale, cv::INTER_AREA);
  FL_ASSIGN_OR_RETURN(ml::FaceDetector detector, detectors.take());
  w.faces = detector.detect(small);
  detectors.give_back(std::move(detector));
  for (auto& f : w.faces) {
    f.box = cv::Rect2f(f.box.x / scale, f.box.y / scale, f.box.width / scale, f.box.height / scale);
    for (auto& k : f.keypoints) k /= scale;
    Sighting s;
    s.box = {w.index,
             f.box.x * to_full,
             f.box.y * to_full,
             f.box.width * to_full,
             f.box.height * to_full,
             f.score};
    s.body = body_colour(bgr, f.box);
    s.look = appearance(bgr, f.box);
    w.sightings.push_back(std::move(s));
  }
  return ok_status();
}

// The identity chip of a face: from the frame as read when it holds the face large enough, else
// from a crop of the full-resolution frame around it.
Result<cv::Mat> identity_chip(const Work& w, const ml::FaceDetection& face, float to_full) {
  const float full_width = face.box.width * to_full;
  if (!w.frame.full || face.box.width >= kIdentityFaceWidth || to_full <= 1.f)
    return ml::aligned_face_chip(w.frame.bgr, face);
  const float side = 2.4f * std::max(face.box.width, face.box.height) * to_full;
  const cv::Point2f centre = (face.box.tl() + face.box.br()) * (0.5f * to_full);
  // Whole chroma samples of any subsampling (the decoder's scaler starts the crop on one).
  cv::Rect region(int(centre.x - side / 2) & ~3, int(centre.y - side / 2) & ~3, int(side) + 4,
                  int(side) + 4);
  region.x = std::max(region.x, 0);
  region.y = std::max(region.y, 0);
  const double s = std::min(1.0, double(kIdentityFaceWidth) / full_width);
  FL_ASSIGN_OR_RETURN(cv::Mat crop, w.frame.full(region, s));
  ml::FaceDetection in_crop = face;
  auto map = [&](cv::Point2f p) {
    return cv::Point2f(float((p.x * to_full - region.x) * s),
                       float((p.y * to_full - region.y) * s));
  };
  in_crop.box = cv::Rect2f(map(face.box.tl()), map(face.box.br()));
  for (auto& k : in_crop.keypoints) k = map(k);
  return ml::aligned_face_chip(crop, in_crop);
}

}  // namespace

Result<Cast> analyse_characters(const CharacterClip& clip,
                                const std::vector<ReferenceFace>& references,
                                const CharacterOptions& options,
                                const CharacterProgress& progress) {
  const int64_t total = clip.frame_count;
  if (total <= 0) return invalid_argument("'" + clip.path + "': no frames to analyse");
  DetectorPool detectors(options.min_score);
  FL_ASSIGN_OR_RETURN(ml::FaceDetector first, detectors.take());  // a missing model fails here
  detectors.give_back(std::move(first));
  FL_ASSIGN_OR_RETURN(auto describer, ml::FaceDescriber::open());

  std::vector<FrameSignature> signatures(static_cast<size_t>(total));
  std::vector<std::vector<Sighting>> sightings(static_cast<size_t>(total));
  const float to_full = float(1.0 / clip.scale);
  std::mutex failed_mu;
  Status failed = ok_status();
  auto fail = [&](Status s) {
    std::lock_guard lock(failed_mu);
    if (failed.ok()) failed = std::move(s);
  };
  auto has_failed = [&] {
    std::lock_guard lock(failed_mu);
    return !failed.ok();
  };
  // Stage 1, in order (one decoder): the next frame.
  int64_t next = 0;
  auto read = [&](tbb::flow_control& fc) -> std::shared_ptr<Work> {
    if (next >= total || has_failed()) {
      fc.stop();
      return nullptr;
    }
    auto w = std::make_shared<Work>();
    w->index = next++;
    auto frame = clip.read(w->index);
    if (!frame.ok()) {
      fail(frame.status());
      fc.stop();
      return nullptr;
    }
    w->frame = std::move(*frame);
    return w;
  };
  // Stage 2, a frame per worker: its faces.
  auto find = [&](std::shared_ptr<Work> w) -> std::shared_ptr<Work> {
    if (!w || has_failed()) return nullptr;
    if (Status s = find_faces(*w, detectors, options, to_full); !s.ok()) {
      fail(std::move(s));
      return nullptr;
    }
    return w;
  };
  // Stage 3, in order again, as it needs the frame before: identity every few frames of a face
  // and wherever a face appears that the last frame did not show; faces that turned away
  // followed by their clothing.
  cv::Mat previous_bgr;
  auto identify = [&](std::shared_ptr<Work> w) {
    if (!w || has_failed()) return;
    const int64_t i = w->index;
    const std::vector<Sighting>* before = i > 0 ? &sightings[size_t(i - 1)] : nullptr;
    std::vector<cv::Mat> chips;
    std::vector<size_t> described;
    for (size_t k = 0; k < w->sightings.size(); ++k) {
      bool continues = false;
      if (before)
        for (const Sighting& prev : *before)
          continues |= box_iou(prev.box, w->sightings[k].box) > options.link_iou;
      if (continues && i % options.descriptor_stride != 0) continue;
      auto chip = identity_chip(*w, w->faces[k], to_full);
      if (!chip.ok()) return fail(chip.status());
      chips.push_back(std::move(*chip));
      described.push_back(k);
    }
    auto descriptors = describer.describe_chips(chips);
    for (size_t k = 0; k < described.size(); ++k) {
      w->sightings[described[k]].descriptor = descriptors[k];
      w->sightings[described[k]].has_descriptor = true;
    }
    if (before) {
      const bool cut =
          signature_distance(signatures[size_t(i - 1)], w->frame.signature) > kSurelyACut;
      for (auto& f : follow_bodies(previous_bgr, w->frame.bgr, to_full, i, *before, w->sightings,
                                   cut, options))
        w->sightings.push_back(std::move(f));
    }
    sightings[size_t(i)] = std::move(w->sightings);
    signatures[size_t(i)] = std::move(w->frame.signature);
    previous_bgr = w->frame.bgr;
    if (progress && !progress(i + 1, total)) fail(cancelled("character analysis cancelled"));
  };
  using tbb::filter_mode;
  const size_t tokens = size_t(std::max(2, tbb::this_task_arena::max_concurrency() + 1));
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::shared_ptr<Work>>(filter_mode::serial_in_order, read) &
          tbb::make_filter<std::shared_ptr<Work>, std::shared_ptr<Work>>(filter_mode::parallel,
                                                                         find) &
          tbb::make_filter<std::shared_ptr<Work>, void>(filter_mode::serial_in_order, identify));
  FL_RETURN_IF_ERROR(failed);

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
  for (const Shot& shot : cast.shots)
    for (int64_t f = shot.first; f <= shot.last && f < total; ++f) {
      auto& here = sightings[size_t(f)];
      here.erase(std::remove_if(here.begin(), here.end(),
                                [&](const Sighting& s) {
                                  return s.followed_for > 0 && f - s.followed_for < shot.first;
                                }),
                 here.end());
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
  const double scale =
      info.width > 0 ? std::min(1.0, double(options.analysis_width) / info.width) : 1.0;
  CharacterClip clip{info.path,       info.frame_count,
                     info.frame_rate, info.timecode,
                     scale,           [&](int64_t i) { return analysis_frame(source, i, scale); }};
  return analyse_characters(clip, references, options, progress);
}

}  // namespace fl::analysis
