#include "ops/character_lock/character_lock_state.h"

#include <cstdio>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "analysis/cast_json.h"
#include "analysis/display_frame.h"
#include "colour/cube_file.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "io/oiio/still_encode.h"
#include "ml/person_segmenter.h"

namespace fl::ops {
namespace {

constexpr int kCubeSize = 33;

std::string crop_hex(const cv::Mat& m) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  if (m.empty()) return s;
  const cv::Mat c = m.isContinuous() ? m : m.clone();
  s.reserve(c.total() * 6);
  for (size_t i = 0; i < c.total() * 3; ++i) {
    const uint8_t v = c.data[i];
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

Result<cv::Mat> crop_from_hex(const nlohmann::json& j) {
  if (!j.is_string()) return corrupt_data("character_lock state: a face crop is not text");
  const std::string& s = j.get_ref<const std::string&>();
  if (s.empty()) return cv::Mat();
  if (s.size() != size_t(kFaceCrop * kFaceCrop * 3 * 2))
    return corrupt_data("character_lock state: a face crop has the wrong size");
  cv::Mat m(kFaceCrop, kFaceCrop, CV_8UC3);
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < m.total() * 3; ++i)
    m.data[i] = uint8_t(nibble(s[2 * i]) * 16 + nibble(s[2 * i + 1]));
  return m;
}

nlohmann::json grade_json(const analysis::CharacterGrade& g) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : g.m) out.push_back(row);
  return out;
}

std::string shot_name(const std::string& prefix, int shot) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "_shot%02d", shot + 1);
  return prefix + buf;
}

void label(cv::Mat& img, const std::string& text, cv::Point at) {
  cv::putText(img, text, at, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(230, 230, 230), 1,
              cv::LINE_AA);
}

}  // namespace

const LockedShot* CharacterLockState::shot_at(int64_t frame) const {
  for (const auto& s : shots)
    if (frame >= s.first && frame <= s.last) return &s;
  return nullptr;
}

nlohmann::json character_lock_report(const CharacterLockState& state) {
  nlohmann::json shots = nlohmann::json::array();
  for (const auto& s : state.shots) {
    nlohmann::json j = {{"shot", s.shot},
                        {"first", s.first},
                        {"last", s.last},
                        {"sample_frame", s.sample_frame},
                        {"face_delta_e_before", s.delta_e_before},
                        {"face_delta_e_after", s.delta_e_after},
                        {"grade", grade_json(s.grade)}};
    if (s.clothing_delta_e_before >= 0) {
      j["clothing_delta_e_before"] = s.clothing_delta_e_before;
      j["clothing_delta_e_after"] = s.clothing_delta_e_after;
    }
    shots.push_back(std::move(j));
  }
  return {{"character", state.character},
          {"reference", state.reference},
          {"encoding", "bt709 code values"},
          {"shots", shots}};
}

Result<std::string> save_character_lock_state(const CharacterLockState& state) {
  nlohmann::json j = character_lock_report(state);
  j["cast"] = analysis::cast_to_json(state.cast);
  j["reference_face"] = crop_hex(state.reference_face);
  for (size_t i = 0; i < state.shots.size(); ++i) {
    j["shots"][i]["face_before"] = crop_hex(state.shots[i].face_before);
    j["shots"][i]["face_after"] = crop_hex(state.shots[i].face_after);
  }
  return json_text(j);
}

Result<std::shared_ptr<const CharacterLockState>> load_character_lock_state(
    std::string_view bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt_data("character_lock state is not JSON");
  auto state = std::make_shared<CharacterLockState>();
  try {
    auto cast = analysis::cast_from_json(j.at("cast"));
    if (!cast.ok()) return corrupt_data("character_lock state: " + cast.status().message());
    state->cast = std::move(*cast);
    state->character = j.at("character").get<int>();
    state->reference = j.at("reference").get<std::string>();
    FL_ASSIGN_OR_RETURN(state->reference_face, crop_from_hex(j.at("reference_face")));
    for (const auto& s : j.at("shots")) {
      LockedShot shot;
      shot.shot = s.at("shot").get<int>();
      shot.first = s.at("first").get<int64_t>();
      shot.last = s.at("last").get<int64_t>();
      shot.sample_frame = s.at("sample_frame").get<int64_t>();
      shot.delta_e_before = s.at("face_delta_e_before").get<double>();
      shot.delta_e_after = s.at("face_delta_e_after").get<double>();
      shot.clothing_delta_e_before = s.value("clothing_delta_e_before", -1.0);
      shot.clothing_delta_e_after = s.value("clothing_delta_e_after", -1.0);
      const auto& rows = s.at("grade");
      if (!rows.is_array() || rows.size() != 3)
        return corrupt_data("character_lock state: a grade is not three rows");
      for (size_t k = 0; k < 3; ++k) {
        if (!rows[k].is_array() || rows[k].size() != 7)
          return corrupt_data("character_lock state: a grade row is not seven numbers");
        for (size_t i = 0; i < 7; ++i) shot.grade.m[k][i] = rows[k][i].get<double>();
      }
      FL_ASSIGN_OR_RETURN(shot.face_before, crop_from_hex(s.at("face_before")));
      FL_ASSIGN_OR_RETURN(shot.face_after, crop_from_hex(s.at("face_after")));
      state->shots.push_back(std::move(shot));
    }
  } catch (const nlohmann::json::exception& e) {
    return corrupt_data(std::string("character_lock state: ") + e.what());
  }
  return std::shared_ptr<const CharacterLockState>(std::move(state));
}

namespace {

// The matte of every frame of the character's shots, from the source clip at full size.
Status export_matte_sequence(const CharacterLockState& state, const analysis::MatteOptions& matte,
                             const graph::ExportCtx& ctx, const OutputPipeline& out,
                             std::vector<std::string>& written) {
  size_t who = state.cast.characters.size();
  for (size_t i = 0; i < state.cast.characters.size(); ++i)
    if (state.cast.characters[i].id == state.character) who = i;
  if (who == state.cast.characters.size())
    return internal_error("character_lock: the state's character is not in its cast");
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(ctx.source_path, {}));
  FL_ASSIGN_OR_RETURN(ml::PersonSegmenter segmenter, ml::PersonSegmenter::open());
  const std::filesystem::path dir = std::filesystem::path(ctx.dir) / (ctx.prefix + "_matte");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return permission_denied("cannot create '" + dir.string() + "': " + ec.message());
  io::StillEncoding e;
  e.format = io::StillFormat::kPng;
  for (const LockedShot& s : state.shots)
    for (int64_t f = s.first; f <= s.last; ++f) {
      FL_ASSIGN_OR_RETURN(cv::Mat bgr, analysis::display_bgr(*source, f));
      const cv::Mat m = analysis::character_matte(bgr, 1.0, state.cast, who, f, segmenter, matte);
      cv::Mat grey, rgb;
      m.convertTo(grey, CV_8U, 255);
      cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
      FL_ASSIGN_OR_RETURN(std::string png,
                          io::encode_still(rgb.ptr<uint8_t>(), rgb.cols, rgb.rows, e));
      char name[64];
      std::snprintf(name, sizeof name, "_matte.%06lld.png", (long long)f);
      const std::string path = (dir / (ctx.prefix + name)).string();
      FL_RETURN_IF_ERROR(
          out.write_file({path, OutputKind::kRender, ctx.prefix, ctx.inputs, f, f}, png));
    }
  written.push_back((dir / (ctx.prefix + "_matte.%06d.png")).string());
  return ok_status();
}

}  // namespace

Status export_character_lock(const CharacterLockState& state, double strength,
                             const analysis::MatteOptions& matte, const graph::ExportCtx& ctx,
                             std::vector<std::string>& written) {
  std::error_code ec;
  if (!std::filesystem::is_directory(ctx.dir, ec))
    return not_found("export directory '" + ctx.dir + "' does not exist");
  const std::filesystem::path dir(ctx.dir);
  const OutputPipeline& out = ctx.pipeline ? *ctx.pipeline : OutputPipeline::plain();
  auto record = [&](const std::string& path, OutputKind kind) {
    return OutputRecord{path, kind, ctx.prefix, ctx.inputs};
  };
  for (const LockedShot& s : state.shots) {
    // The grade as a 3D LUT on BT.709 code values, for the colourist to apply through the
    // character's matte (the cast file below renders it: character_mask cast=...).
    const analysis::CharacterGrade g = s.grade.blended(strength);
    colour::CubeFile cube;
    cube.title = shot_name(ctx.prefix, s.shot);
    cube.comments = {" framelock character_lock: character " + std::to_string(state.character) +
                         ", shot " + std::to_string(s.shot) + ", frames " +
                         std::to_string(s.first) + "-" + std::to_string(s.last),
                     " apply inside the character's matte only; BT.709 code values",
                     " face CIEDE2000 to the reference " + std::to_string(s.delta_e_before) +
                         " -> " + std::to_string(s.delta_e_after)};
    colour::Lut3D lut = colour::identity_lut3d(kCubeSize);
    for (size_t i = 0; i < lut.rgb.size(); i += 3) {
      cv::Vec3f p(lut.rgb[i], lut.rgb[i + 1], lut.rgb[i + 2]);
      g.apply(p);
      for (int k = 0; k < 3; ++k) lut.rgb[i + size_t(k)] = p[k];
    }
    cube.lut3d = lut;
    const std::string path = (dir / (cube.title + ".cube")).string();
    FL_RETURN_IF_ERROR(colour::write_cube(out, record(path, OutputKind::kLook), cube));
    written.push_back(path);
  }
  const std::string cast_path = (dir / (ctx.prefix + "_cast.json")).string();
  FL_RETURN_IF_ERROR(out.write_file(record(cast_path, OutputKind::kReport),
                                    json_text(analysis::cast_to_json(state.cast), 1) + "\n"));
  written.push_back(cast_path);
  const std::string report_path = (dir / (ctx.prefix + "_report.json")).string();
  FL_RETURN_IF_ERROR(out.write_file(record(report_path, OutputKind::kReport),
                                    json_text(character_lock_report(state), 2) + "\n"));
  written.push_back(report_path);

  // The report picture: the reference face, then per shot the face before and after, with
  // their distance to the reference.
  constexpr int kCell = 2 * kFaceCrop, kPad = 8, kLabel = 20;
  const int rows = int(state.shots.size()) + 1;
  cv::Mat sheet(kPad + rows * (kCell + kLabel + kPad), kPad + 2 * (kCell + kPad), CV_8UC3,
                cv::Scalar(24, 24, 24));
  auto place = [&](const cv::Mat& face, int row, int col, const std::string& text) {
    const cv::Rect cell(kPad + col * (kCell + kPad), kPad + row * (kCell + kLabel + kPad) + kLabel,
                        kCell, kCell);
    if (!face.empty()) cv::resize(face, sheet(cell), cell.size(), 0, 0, cv::INTER_LINEAR);
    label(sheet, text, {cell.x, cell.y - 6});
  };
  place(state.reference_face, 0, 0, "reference: " + state.reference);
  char buf[96];
  for (size_t i = 0; i < state.shots.size(); ++i) {
    const LockedShot& s = state.shots[i];
    std::snprintf(buf, sizeof buf, "shot %d before %.1f", s.shot, s.delta_e_before);
    place(s.face_before, int(i) + 1, 0, buf);
    std::snprintf(buf, sizeof buf, "after %.1f", s.delta_e_after);
    place(s.face_after, int(i) + 1, 1, buf);
  }
  cv::Mat rgb;
  cv::cvtColor(sheet, rgb, cv::COLOR_BGR2RGB);
  io::StillEncoding e;
  e.format = io::StillFormat::kPng;
  FL_ASSIGN_OR_RETURN(std::string png, io::encode_still(rgb.ptr<uint8_t>(), rgb.cols, rgb.rows, e));
  const std::string sheet_path = (dir / (ctx.prefix + "_report.png")).string();
  FL_RETURN_IF_ERROR(out.write_file(record(sheet_path, OutputKind::kSheet), png));
  written.push_back(sheet_path);
  if (ctx.source_path.empty()) return ok_status();
  return export_matte_sequence(state, matte, ctx, out, written);
}

}  // namespace fl::ops
