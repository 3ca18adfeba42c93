#include "ops/character_source.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "analysis/cast_json.h"
#include "analysis/display_frame.h"
#include "analysis/shots.h"
#include "core/json_text.h"
#include "ml/models.h"

namespace fl::ops {
namespace {

// The models' encoding of working-space linear light (as scene_lock analyses).
constexpr colour::Transfer kEncoding = colour::Transfer::kBt709;
constexpr int kAnalysisWidth = 960;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

bool is_id(const std::string& s) {
  return !s.empty() && s.size() < 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::stoi(s) > 0;
}

std::string who_is_there(const analysis::Cast& cast) {
  if (cast.characters.empty()) return "the cast is empty";
  std::string list;
  for (const auto& c : cast.characters)
    list += (list.empty() ? "" : ", ") + std::to_string(c.id) + " '" + c.name + "'";
  return "the cast holds " + list;
}

}  // namespace

cv::Mat display_bgr(const Image& linear) { return analysis::display_bgr(linear, kEncoding); }

Result<cv::Mat> MattePool::matte(const Image& linear, double scale, const analysis::Cast& cast,
                                 size_t who, int64_t frame,
                                 const analysis::MatteOptions& options) const {
  std::optional<ml::PersonSegmenter> segmenter;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      segmenter.emplace(std::move(idle_.back()));
      idle_.pop_back();
    }
  }
  if (!segmenter) {
    FL_ASSIGN_OR_RETURN(ml::PersonSegmenter fresh, ml::PersonSegmenter::open());
    segmenter.emplace(std::move(fresh));
  }
  cv::Mat m =
      analysis::character_matte(display_bgr(linear), scale, cast, who, frame, *segmenter, options);
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(*segmenter));
  return m;
}

Result<size_t> find_character(const analysis::Cast& cast, const std::string& character) {
  const std::string want = lower(trim(character));
  for (size_t i = 0; i < cast.characters.size(); ++i)
    if (lower(cast.characters[i].name) == want) return i;
  if (is_id(want))
    for (size_t i = 0; i < cast.characters.size(); ++i)
      if (cast.characters[i].id == std::stoi(want)) return i;
  return invalid_argument("character '" + character + "' is not in the cast: " + who_is_there(cast))
      .with_field("params.character");
}

Result<CharacterSource> character_source(const std::string& character, const std::string& cast,
                                         const std::string& references,
                                         const graph::PrepareCtx& ctx) {
  CharacterSource s;
  s.character = trim(character);
  if (s.character.empty())
    return invalid_argument("character is empty: give a name or an id")
        .with_field("params.character");
  if (!cast.empty()) {
    if (!references.empty())
      return invalid_argument(
                 "give either a cast file or references: a cast file's characters are named "
                 "already (`framelock characters --reference`)")
          .with_field("params.references");
    auto path = ctx.resolve(cast);
    if (!path.ok()) return path.status().with_field("params.cast");
    auto read = analysis::read_cast_file(*path);
    if (!read.ok()) return read.status().with_field("params.cast");
    if (auto found = find_character(*read, s.character); !found.ok()) return found.status();
    s.cast = std::make_shared<const analysis::Cast>(std::move(*read));
    return s;
  }
  // NAME=FILE, separated by semicolons.
  size_t at = 0;
  while (at < references.size()) {
    size_t end = references.find(';', at);
    if (end == std::string::npos) end = references.size();
    const std::string item = trim(references.substr(at, end - at));
    at = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || trim(item.substr(0, eq)).empty() ||
        trim(item.substr(eq + 1)).empty())
      return invalid_argument("reference '" + item + "' is not NAME=FILE")
          .with_field("params.references");
    auto path = ctx.resolve(trim(item.substr(eq + 1)));
    if (!path.ok()) return path.status().with_field("params.references");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*path, ec))
      return not_found("reference '" + *path + "' not found").with_field("params.references");
    s.references.emplace_back(trim(item.substr(0, eq)), *path);
  }
  const bool named = std::any_of(s.references.begin(), s.references.end(), [&](const auto& r) {
    return lower(r.first) == lower(s.character);
  });
  if (!named && !is_id(s.character))
    return invalid_argument("character '" + s.character +
                            "' is not a reference's name nor an id: name it with "
                            "references=NAME=FILE, or give a cast file (cast=FILE)")
        .with_field("params.character");
  return s;
}

Result<std::string> save_cast_state(const analysis::Cast& cast) {
  return json_text(analysis::cast_to_json(cast));
}

Result<analysis::Cast> load_cast_state(std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded()) return corrupt_data("cast state is not JSON");
  auto cast = analysis::cast_from_json(j);
  if (!cast.ok()) return corrupt_data(cast.status().message());
  return std::move(*cast);
}

std::string cast_analysis_key(const CharacterSource& source) {
  std::string key = "cast.2|";  // 2: faces followed when turned away; code values read
  key += ml::model_key(ml::ModelId::kFaceDetectFar);
  key += "|";
  key += ml::model_key(ml::ModelId::kFaceDescriptor);
  for (const auto& [name, path] : source.references) key += "|" + name;
  return key;
}

Result<analysis::Cast> analyse_cast(graph::AnalysisCtx& ctx, const CharacterSource& source,
                                    const analysis::CharacterProgress& progress) {
  const graph::FrameGeometry& in = ctx.input(0);
  std::vector<analysis::ReferenceFace> references;
  for (const auto& [name, path] : source.references) {
    auto image = ctx.read_media(path, 0, false, 1.0);
    if (!image.ok())
      return image.status()
          .with_context("reference '" + name + "': ")
          .with_field("params.references");
    auto face = analysis::reference_face(name, path, *image, kEncoding);
    if (!face.ok()) return face.status().with_field("params.references");
    references.push_back(std::move(*face));
  }
  // The smallest preview level at least kAnalysisWidth wide (the detector's own limit).
  const double scale = graph::level_at_least(in.width, kAnalysisWidth);
  analysis::CharacterClip clip;
  clip.path = "input";
  clip.frame_count = in.frame_count;
  clip.frame_rate = in.frame_rate;
  clip.scale = scale;
  // A clip read as it is comes straight from its decoder as code values (what the networks and
  // `framelock characters` read); anything else through the renderer.
  bool code_values = true;
  const cv::Size size(std::max(1, int(std::lround(in.width * scale))),
                      std::max(1, int(std::lround(in.height * scale))));
  clip.read = [&](int64_t f) -> Result<analysis::AnalysisFrame> {
    analysis::AnalysisFrame frame;
    if (code_values) {
      frame.bgr.create(size, CV_8UC3);
      Status s =
          ctx.read_code_values(0, f, size.width, size.height, frame.bgr.data, frame.bgr.step);
      if (s.ok()) {
        frame.signature = analysis::signature_of_bgr8(frame.bgr.data, frame.bgr.cols,
                                                      frame.bgr.rows, frame.bgr.step);
        return frame;
      }
      if (s.code() != ErrorCode::kUnsupported) return s;
      code_values = false;
    }
    FL_ASSIGN_OR_RETURN(Image img, ctx.read(0, f, scale));
    frame.signature = analysis::signature_of_linear(img, kEncoding);
    frame.bgr = display_bgr(img);
    return frame;
  };
  return analysis::analyse_characters(clip, references, {}, progress);
}

}  // namespace fl::ops
