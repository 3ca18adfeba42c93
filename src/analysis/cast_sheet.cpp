#include "analysis/cast_sheet.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <opencv2/imgproc.hpp>

#include "analysis/display_frame.h"
#include "core/output_path.h"
#include "io/oiio/still_encode.h"

namespace fl::analysis {
namespace {

constexpr int kRow = 160, kPad = 8, kLabel = 22;

// The face a person would pick: large and sure.
const FaceBox& best_face(const Character& c) {
  const FaceBox* best = &c.tracks[0].boxes[0];
  auto merit = [](const FaceBox& b) { return b.confidence * std::min(b.w, 200.f); };
  for (const auto& t : c.tracks)
    for (const auto& b : t.boxes)
      if (merit(b) > merit(*best)) best = &b;
  return *best;
}

// One picture per shot: the middle of the character's longest track there.
std::map<int, const FaceBox*> shot_faces(const Character& c) {
  std::map<int, const CharacterTrack*> longest;
  for (const auto& t : c.tracks)
    if (!longest.count(t.shot) || t.boxes.size() > longest[t.shot]->boxes.size())
      longest[t.shot] = &t;
  std::map<int, const FaceBox*> out;
  for (const auto& [shot, t] : longest) out[shot] = &t->boxes[t->boxes.size() / 2];
  return out;
}

cv::Rect2f grown(const FaceBox& b, float by) {
  const float cx = b.x + b.w / 2, cy = b.y + b.h / 2, s = std::max(b.w, b.h) * by;
  return {cx - s / 2, cy - s / 2, s, s};
}

void put_text(cv::Mat& m, const std::string& text, cv::Point at) {
  cv::putText(m, text, at, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(230, 230, 230), 1,
              cv::LINE_AA);
}

std::string extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext;
}

}  // namespace

Status check_cast_sheet_path(const std::string& path) {
  const std::string ext = extension(path);
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg")
    return invalid_argument("cast sheet '" + path + "': use .png or .jpg");
  return check_output_directory(std::filesystem::absolute(path).parent_path().string(), path);
}

Status write_cast_sheet(io::FrameSource& source, const Cast& cast, const OutputPipeline& pipeline,
                        const OutputRecord& record) {
  FL_RETURN_IF_ERROR(check_cast_sheet_path(record.path));
  const std::string ext = extension(record.path);
  if (cast.characters.empty())
    return invalid_argument("cast sheet '" + record.path + "': no characters to show");

  // Every frame the sheet shows, read once, in order.
  std::map<int64_t, cv::Mat> frames;
  for (const auto& c : cast.characters) {
    frames[best_face(c).frame];
    for (const auto& [shot, b] : shot_faces(c)) frames[b->frame];
  }
  for (auto& [f, m] : frames) {
    FL_ASSIGN_OR_RETURN(m, display_bgr(source, f));
  }
  const cv::Size full = frames.begin()->second.size();
  const int thumb_w = std::max(1, full.width * kRow / std::max(1, full.height));
  size_t most_shots = 0;
  for (const auto& c : cast.characters) most_shots = std::max(most_shots, shot_faces(c).size());

  const int row_h = kLabel + kRow + kLabel + kPad;
  cv::Mat sheet(kPad + int(cast.characters.size()) * row_h,
                kPad + (kRow + kPad) + int(most_shots) * (thumb_w + kPad), CV_8UC3,
                cv::Scalar(24, 24, 24));
  for (size_t i = 0; i < cast.characters.size(); ++i) {
    const Character& c = cast.characters[i];
    const int y0 = kPad + int(i) * row_h;
    put_text(
        sheet,
        std::to_string(c.id) + "  " + c.name + "  (" + std::to_string(c.frames_seen()) + " frames)",
        {kPad, y0 + 16});
    // The best face, square, with some of the head around it.
    const FaceBox& face = best_face(c);
    const cv::Mat& src = frames.at(face.frame);
    cv::Rect box = cv::Rect(grown(face, 1.5f)) & cv::Rect(0, 0, src.cols, src.rows);
    if (box.area() > 0)
      cv::resize(src(box), sheet(cv::Rect(kPad, y0 + kLabel, kRow, kRow)), {kRow, kRow}, 0, 0,
                 cv::INTER_AREA);
    put_text(sheet, "frame " + std::to_string(face.frame), {kPad, y0 + kLabel + kRow + 16});
    // Each shot, the whole frame, the character's box drawn.
    int x0 = kPad + kRow + kPad;
    for (const auto& [shot, b] : shot_faces(c)) {
      cv::Mat thumb;
      cv::resize(frames.at(b->frame), thumb, {thumb_w, kRow}, 0, 0, cv::INTER_AREA);
      const double s = double(kRow) / full.height;
      cv::rectangle(thumb, cv::Rect(int(b->x * s), int(b->y * s), int(b->w * s), int(b->h * s)),
                    cv::Scalar(80, 220, 80), 2);
      thumb.copyTo(sheet(cv::Rect(x0, y0 + kLabel, thumb_w, kRow)));
      put_text(sheet, "shot " + std::to_string(shot) + "  frame " + std::to_string(b->frame),
               {x0, y0 + kLabel + kRow + 16});
      x0 += thumb_w + kPad;
    }
  }
  cv::Mat rgb;
  cv::cvtColor(sheet, rgb, cv::COLOR_BGR2RGB);
  io::StillEncoding e;
  e.format = ext == ".png" ? io::StillFormat::kPng : io::StillFormat::kJpeg;
  e.png_compression = 6;
  FL_ASSIGN_OR_RETURN(std::string bytes,
                      io::encode_still(rgb.ptr<uint8_t>(), rgb.cols, rgb.rows, e));
  OutputRecord sheet_record = record;
  sheet_record.kind = OutputKind::kSheet;
  return pipeline.write_file(sheet_record, bytes).with_context("cast sheet: ");
}

}  // namespace fl::analysis
