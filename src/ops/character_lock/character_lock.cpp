// character_lock: one character held to their reference look in every shot, the way scene_lock
// holds whole frames. Per shot, a grade fitted on the character's own pixels (face skin first,
// clothing second; analysis/character_grade.h), constant through the shot so nothing flickers,
// applied inside their feathered matte only.
#include <filesystem>
#include <map>

#include <opencv2/imgproc.hpp>

#include "analysis/character_matte.h"
#include "analysis/correspondence.h"
#include "graph/registry.h"
#include "ml/face_detector.h"
#include "ops/character_lock/character_lock_state.h"
#include "ops/character_source.h"

namespace fl::ops {
namespace {

constexpr colour::Transfer kEncoding = colour::Transfer::kBt709;
constexpr int kAnalysisWidth = 480;  // the smallest preview level at least this wide
constexpr int kSamplesPerShot = 6;

struct Reference {
  std::string path;  // a still or clip; empty: a shot of the input
  int64_t frame = 0;
  int shot = -1;  // -1 with no path: the shot the character is seen most in
};

class CharacterLockOp final : public graph::Op {
 public:
  CharacterLockOp(CharacterSource source, Reference reference, analysis::MatteOptions matte,
                  double strength)
      : source_(std::move(source)),
        ref_(std::move(reference)),
        matte_(matte),
        strength_(strength) {}

  std::string likeness_subject() const override { return source_.character; }
  bool has_analysis() const override { return true; }
  // Strength, feather and dilate are applied per frame; the rest decides the fit.
  std::string analysis_key() const override {
    return cast_analysis_key(source_) + "|lock.1|" + source_.character + "|" +
           (ref_.path.empty() ? "shot" : "file") + "|" + std::to_string(ref_.frame) + "|" +
           std::to_string(ref_.shot);
  }
  int state_version() const override { return kCharacterLockStateVersion; }
  Result<std::string> save_state(const graph::OpState& state) const override {
    return save_character_lock_state(static_cast<const CharacterLockState&>(state));
  }
  Result<std::shared_ptr<const graph::OpState>> load_state(std::string_view bytes) const override {
    FL_ASSIGN_OR_RETURN(auto state, load_character_lock_state(bytes));
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }
  Status export_state(const graph::OpState& s, const graph::ExportCtx& ctx,
                      std::vector<std::string>& written) const override {
    const auto* state = dynamic_cast<const CharacterLockState*>(&s);
    if (!state) return internal_error("character_lock: foreign state");
    return export_character_lock(*state, strength_, matte_, ctx, written);
  }

  Result<std::shared_ptr<const graph::OpState>> analyse(graph::AnalysisCtx& ctx) const override {
    const graph::FrameGeometry& in = ctx.input(0);
    if (in.frame_count <= 0) return invalid_argument("character_lock: the input has no frames");
    auto state = std::make_shared<CharacterLockState>();
    if (source_.cast) {
      state->cast = *source_.cast;
    } else {
      FL_ASSIGN_OR_RETURN(state->cast, analyse_cast(ctx, source_, [&](int64_t d, int64_t t) {
                            return ctx.progress(d, 2 * t);
                          }));
    }
    const analysis::Cast& cast = state->cast;
    FL_ASSIGN_OR_RETURN(size_t who, find_character(cast, source_.character));
    const analysis::Character& character = cast.characters[who];
    state->character = character.id;
    FL_ASSIGN_OR_RETURN(ml::PersonSegmenter segmenter, ml::PersonSegmenter::open());
    const double scale = graph::level_at_least(in.width, kAnalysisWidth);

    // Frames where their face is seen: a face followed by its clothing (confidence 0) is turned
    // away, and its skin is not there to fit.
    std::map<int, std::vector<const analysis::FaceBox*>> by_shot;
    for (const auto& t : character.tracks)
      for (const auto& b : t.boxes)
        if (b.confidence > 0) by_shot[t.shot].push_back(&b);

    // A few frames spread over the character's sightings in a shot: their pixels, and the face
    // of the middle one for the report.
    auto sample_shot = [&](const std::vector<const analysis::FaceBox*>& boxes,
                           analysis::LookSamples& into, cv::Mat& face,
                           int64_t& face_frame) -> Status {
      const size_t n = std::min<size_t>(kSamplesPerShot, boxes.size());
      for (size_t i = 0; i < n; ++i) {
        const analysis::FaceBox& b = *boxes[(2 * i + 1) * boxes.size() / (2 * n)];
        FL_ASSIGN_OR_RETURN(Image img, ctx.read(0, b.frame, scale));
        const cv::Mat rgb = analysis::correspondence::encoded(img, curve());
        const cv::Mat bgr = display_bgr(img);
        const cv::Mat matte =
            analysis::character_matte(bgr, scale, cast, who, b.frame, segmenter, {});
        const float s = float(scale);
        const cv::Rect2f box(b.x * s, b.y * s, b.w * s, b.h * s);
        analysis::sample_character(rgb, matte, box, into);
        if (i == n / 2) face = face_crop(bgr, box), face_frame = b.frame;
      }
      return ok_status();
    };

    analysis::LookSamples reference;
    int reference_shot = -1;
    int64_t reference_frame = 0;
    if (!ref_.path.empty()) {
      FL_RETURN_IF_ERROR(sample_still(ctx, segmenter, reference, state->reference_face));
      state->reference = std::filesystem::path(ref_.path).filename().string();
    } else {
      reference_shot = ref_.shot;
      if (reference_shot < 0) {  // the shot they are seen most in
        size_t most = 0;
        for (const auto& [shot, boxes] : by_shot)
          if (boxes.size() > most) most = boxes.size(), reference_shot = shot;
      }
      if (!by_shot.count(reference_shot))
        return invalid_argument("character_lock: '" + character.name + "' is not in shot " +
                                std::to_string(reference_shot))
            .with_field("params.reference");
      FL_RETURN_IF_ERROR(
          sample_shot(by_shot[reference_shot], reference, state->reference_face, reference_frame));
      state->reference = "shot " + std::to_string(reference_shot);
    }
    if (reference.empty())
      return invalid_argument("character_lock: the reference shows too little of '" +
                              character.name + "' to fit to")
          .with_field("params.reference");

    const colour::Lab ref_face = analysis::mean_face_lab(reference, kEncoding);
    int64_t done = 0;
    for (const auto& [shot, boxes] : by_shot) {
      LockedShot locked;
      locked.shot = shot;
      if (size_t(shot) < cast.shots.size()) {
        locked.first = cast.shots[size_t(shot)].first;
        locked.last = cast.shots[size_t(shot)].last;
      } else {
        locked.first = boxes.front()->frame, locked.last = boxes.back()->frame;
      }
      analysis::LookSamples samples;
      if (shot == reference_shot) {  // sampled already, as the reference
        samples = reference;
        locked.face_before = state->reference_face;
        locked.sample_frame = reference_frame;
      } else {
        FL_RETURN_IF_ERROR(sample_shot(boxes, samples, locked.face_before, locked.sample_frame));
      }
      if (shot != reference_shot && !samples.empty())
        locked.grade = analysis::fit_character_grade(samples, reference);
      locked.delta_e_before =
          colour::ciede2000(analysis::mean_face_lab(samples, kEncoding), ref_face);
      locked.delta_e_after =
          colour::ciede2000(analysis::mean_face_lab(samples, kEncoding, &locked.grade), ref_face);
      locked.face_after = graded_crop(locked.face_before, locked.grade);
      state->shots.push_back(std::move(locked));
      if (!ctx.progress(in.frame_count + (++done) * in.frame_count / int64_t(by_shot.size()),
                        2 * in.frame_count))
        return cancelled("character lock cancelled");
    }
    return std::shared_ptr<const graph::OpState>(std::move(state));
  }

  Rect input_region(int, const Rect&, const graph::RenderCtx& ctx) const override {
    return ctx.input[0].bounds_at(ctx.scale);  // the matte sees the whole figure
  }

  Status render(const graph::RenderCtx& ctx, const graph::Inputs& in, Image& out,
                const Rect& tile) const override {
    const auto* state = dynamic_cast<const CharacterLockState*>(ctx.state);
    if (!state) return internal_error("character_lock: rendered without its analysis");
    const Image* src = in.get(0);
    const LockedShot* shot = state->shot_at(ctx.frame);
    auto copy = [&] {
      for (int y = tile.y; y < tile.bottom(); ++y)
        std::copy_n(src->at(tile.x, y), size_t(tile.w) * 4, out.at(tile.x, y));
    };
    if (!shot || strength_ == 0 || shot->grade.is_identity()) return copy(), ok_status();
    FL_ASSIGN_OR_RETURN(size_t who, find_character(state->cast, std::to_string(state->character)));
    FL_ASSIGN_OR_RETURN(const cv::Mat matte,
                        mattes_.matte(*src, ctx.scale, state->cast, who, ctx.frame, matte_));
    copy();
    std::vector<float> weight(size_t(tile.w));
    for (int y = tile.y; y < tile.bottom(); ++y) {
      const float* m = matte.ptr<float>(std::clamp(y, 0, matte.rows - 1));
      for (int x = 0; x < tile.w; ++x)
        weight[size_t(x)] = float(strength_) * m[std::clamp(tile.x + x, 0, matte.cols - 1)];
      float* d = out.at(tile.x, y);
      curve().rgba_to_encoded(d, size_t(tile.w));
      shot->grade.apply(d, weight.data(), size_t(tile.w));
      curve().rgba_to_linear(d, size_t(tile.w));
    }
    return ok_status();
  }

 private:
  static const colour::TransferCurve& curve() { return colour::TransferCurve::get(kEncoding); }

  static cv::Mat face_crop(const cv::Mat& bgr, const cv::Rect2f& face) {
    const float grow = 0.3f;
    cv::Rect r(int(face.x - grow * face.width), int(face.y - grow * face.height),
               int(face.width * (1 + 2 * grow)), int(face.height * (1 + 2 * grow)));
    r &= cv::Rect(0, 0, bgr.cols, bgr.rows);
    cv::Mat crop(kFaceCrop, kFaceCrop, CV_8UC3, cv::Scalar(0, 0, 0));
    if (r.area() > 0) cv::resize(bgr(r), crop, crop.size(), 0, 0, cv::INTER_AREA);
    return crop;
  }

  // The report's face after the grade (all of it: the crop is the face).
  static cv::Mat graded_crop(const cv::Mat& bgr8, const analysis::CharacterGrade& g) {
    if (bgr8.empty()) return {};
    cv::Mat f, out;
    bgr8.convertTo(f, CV_32FC3, 1.0 / 255);
    for (auto it = f.begin<cv::Vec3f>(); it != f.end<cv::Vec3f>(); ++it) {
      cv::Vec3f rgb((*it)[2], (*it)[1], (*it)[0]);
      g.apply(rgb);
      *it = cv::Vec3f(rgb[2], rgb[1], rgb[0]);
    }
    f.convertTo(out, CV_8UC3, 255);
    return out;
  }

  // A reference still: its largest face and the matte below it.
  Status sample_still(graph::AnalysisCtx& ctx, ml::PersonSegmenter& segmenter,
                      analysis::LookSamples& into, cv::Mat& face_out) const {
    auto image = ctx.read_media(ref_.path, ref_.frame, true, 1.0);
    if (!image.ok())
      return image.status()
          .with_context("character_lock reference: ")
          .with_field("params.reference");
    const cv::Mat rgb = analysis::correspondence::encoded(*image, curve());
    const cv::Mat bgr = display_bgr(*image);
    FL_ASSIGN_OR_RETURN(auto detector, ml::FaceDetector::open());
    const double s = std::min(1.0, 960.0 / bgr.cols);
    cv::Mat small = bgr;
    if (s < 1) cv::resize(bgr, small, {}, s, s, cv::INTER_AREA);
    const auto faces = detector.detect(small);
    if (faces.empty())
      return invalid_argument("character_lock: reference '" + ref_.path + "' shows no face")
          .with_field("params.reference");
    cv::Rect2f box = faces[0].box;
    for (const auto& f : faces)
      if (f.box.area() > box.area()) box = f.box;
    box =
        cv::Rect2f(box.x / float(s), box.y / float(s), box.width / float(s), box.height / float(s));
    analysis::Cast one;
    analysis::Character c;
    c.tracks.push_back({0, 0, 0, {{0, box.x, box.y, box.width, box.height, 1.f}}, {}});
    one.characters.push_back(std::move(c));
    const cv::Mat matte = analysis::character_matte(bgr, 1.0, one, 0, 0, segmenter, {});
    analysis::sample_character(rgb, matte, box, into);
    face_out = face_crop(bgr, box);
    return ok_status();
  }

  CharacterSource source_;
  Reference ref_;
  analysis::MatteOptions matte_;
  double strength_;
  MattePool mattes_;
};

}  // namespace

void register_character_lock(graph::Registry& r) {
  const graph::OpSchema schema =
      graph::OpBuilder("character_lock", 1)
          .doc(
              "Holds one character's look (face skin first, then clothing) to a reference in "
              "every shot: per shot a grade fitted on their own pixels, constant through the "
              "shot, applied inside their feathered matte only. The reference is a still or "
              "clip showing them (`reference=FILE`), one of their shots (`reference=shot:N`), "
              "or by default the shot they are seen most in. Exports a .cube per shot, the cast "
              "(for the matte: character_mask) and a report of each shot's face before and "
              "after, with CIEDE2000 to the reference.")
          .category("colour")
          .input("in")
          .param_string("character", std::nullopt,
                        "The character: a name (from the cast or a reference) or an id.")
          .param_string(
              "cast", "",
              "A cast file (`framelock characters --out`), or on the server `cast:MEDIA_ID`, "
              "the media's cast; empty: analyse.")
          .param_string("references", "",
                        "NAME=FILE;NAME=FILE: stills or clip frames that name characters (the "
                        "op's own analysis only).")
          .param_string("reference", "",
                        "A still or clip showing the character, or `shot:N`; empty: the shot "
                        "they are seen most in.")
          .param_int("reference_frame", 0, 0, 1 << 30, "Frame of a reference clip.")
          .param_float("strength", 1.0, 0.0, 1.0, "Blend of the fitted grade with none.")
          .param_float("dilate", 0.0, 0, 1000, "Grow the matte by this many pixels.")
          .param_float("feather", 12.0, 0, 1000, "Width of the matte's soft edge in pixels.")
          .not_tileable()
          .alters_likeness(graph::LikenessReach::kCharacter)
          .build();
  const auto character = schema.param<std::string>("character");
  const auto cast = schema.param<std::string>("cast");
  const auto references = schema.param<std::string>("references");
  const auto reference = schema.param<std::string>("reference");
  const auto reference_frame = schema.param<int64_t>("reference_frame");
  const auto strength = schema.param<double>("strength");
  const auto dilate = schema.param<double>("dilate");
  const auto feather = schema.param<double>("feather");
  r.add(
      schema,
      [=](const graph::Params& p,
          const graph::PrepareCtx& ctx) -> Result<std::shared_ptr<const graph::Op>> {
        FL_ASSIGN_OR_RETURN(CharacterSource source,
                            character_source(p[character], p[cast], p[references], ctx));
        Reference ref;
        const std::string& spec = p[reference];
        if (spec.rfind("shot:", 0) == 0) {
          try {
            size_t used = 0;
            ref.shot = std::stoi(spec.substr(5), &used);
            if (used != spec.size() - 5 || ref.shot < 0) throw std::invalid_argument(spec);
          } catch (const std::exception&) {
            return invalid_argument("reference '" + spec + "' is not shot:N with N >= 0")
                .with_field("params.reference");
          }
        } else if (!spec.empty()) {
          auto path = ctx.resolve(spec);
          if (!path.ok()) return path.status().with_field("params.reference");
          std::error_code ec;
          if (!std::filesystem::exists(*path, ec))
            return not_found("reference '" + *path + "' not found").with_field("params.reference");
          ref.path = *path;
          ref.frame = p[reference_frame];
        }
        analysis::MatteOptions o;
        o.dilate = float(p[dilate]);
        o.feather = float(p[feather]);
        return graph::make_op<CharacterLockOp>(std::move(source), std::move(ref), o, p[strength]);
      });
}

}  // namespace fl::ops
