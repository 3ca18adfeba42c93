#include "looks/looks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "core/file_util.h"
#include "core/output_path.h"
#include "io/oiio/still_encode.h"

namespace fl::looks {
namespace {

using json = nlohmann::json;

json cdl(std::array<double, 3> slope, std::array<double, 3> offset, std::array<double, 3> power,
         double sat) {
  return {
      {"op", "cdl"},
      {"params", {{"slope", slope}, {"offset", offset}, {"power", power}, {"saturation", sat}}}};
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.2g", v);
  return buf;
}

}  // namespace

std::vector<Look> builtin_looks() {
  // Each look is a CDL in Rec.709 code values (what a colourist would dial in) plus, for a few,
  // an exposure or saturation step. Kept gentle: these are starting points, not effects.
  return {
      {"neutral", "neutral", json::array()},
      {"warm", "warm", json::array({cdl({1.08, 1.0, 0.90}, {0.01, 0, -0.01}, {1, 1, 1}, 1.05)})},
      {"cool", "cool", json::array({cdl({0.92, 1.0, 1.08}, {-0.01, 0, 0.015}, {1, 1, 1}, 1.0)})},
      {"teal_orange", "teal & orange",
       json::array({cdl({1.10, 1.0, 0.92}, {-0.02, 0.0, 0.03}, {1.05, 1.0, 0.95}, 1.15)})},
      {"bleach_bypass", "bleach bypass",
       json::array({cdl({1.1, 1.1, 1.1}, {-0.03, -0.03, -0.03}, {1.2, 1.2, 1.2}, 0.45)})},
      {"filmic_fade", "filmic fade",
       json::array({cdl({0.88, 0.88, 0.9}, {0.06, 0.05, 0.06}, {1.0, 1.0, 1.0}, 0.85)})},
      {"high_contrast", "high contrast",
       json::array({cdl({1.15, 1.15, 1.15}, {-0.05, -0.05, -0.05}, {1.25, 1.25, 1.25}, 1.1)})},
      {"matte", "low contrast matte",
       json::array({cdl({0.85, 0.85, 0.85}, {0.08, 0.08, 0.08}, {0.95, 0.95, 0.95}, 0.9)})},
      {"noir", "noir",
       json::array({cdl({1.2, 1.2, 1.2}, {-0.06, -0.06, -0.06}, {1.3, 1.3, 1.3}, 0)})},
      {"golden_hour", "golden hour",
       json::array({cdl({1.12, 1.02, 0.82}, {0.02, 0.01, -0.02}, {0.95, 1.0, 1.05}, 1.1)})},
      {"moonlight", "moonlight",
       json::array({json{{"op", "exposure"}, {"params", {{"stops", -0.7}}}},
                    cdl({0.85, 0.95, 1.15}, {0, 0.005, 0.03}, {1.1, 1.05, 1.0}, 0.6)})},
      {"vintage", "vintage",
       json::array({cdl({1.02, 0.98, 0.85}, {0.05, 0.04, 0.03}, {1.1, 1.05, 1.0}, 0.75)})},
      {"cross_process", "cross process",
       json::array({cdl({1.05, 1.1, 0.8}, {-0.02, 0.0, 0.06}, {0.9, 1.1, 1.2}, 1.2)})},
      {"pastel", "pastel",
       json::array({cdl({0.9, 0.9, 0.9}, {0.1, 0.1, 0.1}, {0.9, 0.9, 0.9}, 0.7)})},
      {"punchy", "punchy",
       json::array({cdl({1.1, 1.1, 1.1}, {-0.03, -0.03, -0.03}, {1.1, 1.1, 1.1}, 1.35)})},
      {"day_for_night", "day for night",
       json::array({json{{"op", "exposure"}, {"params", {{"stops", -1.5}}}},
                    cdl({0.8, 0.9, 1.2}, {0, 0, 0.01}, {1.15, 1.1, 1.0}, 0.5)})},
  };
}

Result<std::vector<Look>> sweep_looks(const std::string& spec) {
  const auto dot = spec.find('.'), eq = spec.find('=');
  if (dot == std::string::npos || eq == std::string::npos || eq < dot)
    return invalid_argument("sweep '" + spec + "' must read op.param=from:to:count");
  const std::string op = spec.substr(0, dot), param = spec.substr(dot + 1, eq - dot - 1);
  double from = 0, to = 0;
  int count = 0;
  char tail = 0;
  if (std::sscanf(spec.c_str() + eq + 1, "%lf:%lf:%d%c", &from, &to, &count, &tail) != 3 ||
      count < 1 || count > 256 || !std::isfinite(from) || !std::isfinite(to))
    return invalid_argument("sweep '" + spec + "': values must read from:to:count (1-256)");
  std::vector<Look> out;
  for (int i = 0; i < count; ++i) {
    const double v = count == 1 ? from : from + (to - from) * i / (count - 1);
    Look l;
    l.name = op + "_" + param + "_" + number_text(v);
    l.label = (param == op ? op : op + " " + param) + " " + number_text(v);
    l.chain = json::array({json{{"op", op}, {"params", {{param, v}}}}});
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<Look> default_looks() {
  std::vector<Look> looks = builtin_looks();
  // Sweeps around the neutral values ("neutral" is already the first look).
  for (const char* spec : {"exposure.stops=-1:-0.5:2", "exposure.stops=0.5:1:2",
                           "saturation.saturation=0.5:0.5:1", "saturation.saturation=1.5:1.5:1"}) {
    auto sweep = sweep_looks(spec);
    looks.insert(looks.end(), sweep->begin(), sweep->end());
  }
  looks.push_back({"white_balance_3200K", "balance to 3200K",
                   json::array({cdl({0.86, 0.97, 1.22}, {0, 0, 0}, {1, 1, 1}, 1)})});
  looks.push_back({"white_balance_7500K", "balance to 7500K",
                   json::array({cdl({1.14, 1.01, 0.84}, {0, 0, 0}, {1, 1, 1}, 1)})});
  return looks;
}

Result<std::vector<Look>> looks_from_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return not_found(dir + ": no such folder");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".cube" || ext == ".cdl" || ext == ".cc") files.push_back(e.path());
  }
  if (ec) return permission_denied(dir + ": cannot list: " + ec.message());
  if (files.empty()) return invalid_argument(dir + ": no .cube, .cdl or .cc files");
  std::sort(files.begin(), files.end());
  std::vector<Look> out;
  for (const auto& f : files) {
    const bool cube = f.extension() == ".cube" || f.extension() == ".CUBE";
    Look l;
    l.name = f.stem().string();
    l.label = f.filename().string();
    l.chain =
        json::array({json{{"op", cube ? "lut3d" : "cdl"}, {"params", {{"file", f.string()}}}}});
    out.push_back(std::move(l));
  }
  return out;
}

Result<colour::CubeFile> bake_cube(const graph::Op& op, colour::Transfer transfer,
                                   const std::string& title, int size) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(transfer);
  colour::Lut3D lut = colour::identity_lut3d(size);
  const size_t n = size_t(size) * size * size;
  std::vector<float> px(n * 4);
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) px[4 * i + size_t(c)] = curve.to_linear(lut.rgb[3 * i + size_t(c)]);
    px[4 * i + 3] = 1.f;
  }
  op.apply_pointwise(px.data(), n);
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      lut.rgb[3 * i + size_t(c)] = curve.to_encoded(px[4 * i + size_t(c)]);
  colour::CubeFile cube;
  cube.title = title;
  cube.comments.push_back(" made by framelock variants from the look '" + title + "'");
  cube.lut3d = std::move(lut);
  return cube;
}

Status write_contact_sheet(const OutputPipeline& pipeline, const OutputRecord& record,
                           const std::vector<Image>& tiles, const std::vector<std::string>& labels,
                           int columns) {
  const std::string& path = record.path;
  if (tiles.empty()) return invalid_argument("contact sheet: nothing to lay out");
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  if (ext != ".png" && ext != ".jpg" && ext != ".jpeg")
    return invalid_argument("contact sheet '" + path + "': use .png or .jpg");
  const std::string dir = std::filesystem::absolute(path).parent_path().string();
  FL_RETURN_IF_ERROR(check_output_directory(dir, path));

  int cell_w = 0, cell_h = 0;
  for (const Image& t : tiles)
    cell_w = std::max(cell_w, t.width()), cell_h = std::max(cell_h, t.height());
  const int pad = 8, label_h = 26;
  columns = std::clamp(columns, 1, int(tiles.size()));
  const int rows = (int(tiles.size()) + columns - 1) / columns;
  cv::Mat sheet(rows * (cell_h + label_h + pad) + pad, columns * (cell_w + pad) + pad, CV_8UC3,
                cv::Scalar(24, 24, 24));
  for (size_t i = 0; i < tiles.size(); ++i) {
    const Image& t = tiles[i];
    const int x0 = pad + int(i % size_t(columns)) * (cell_w + pad);
    const int y0 = pad + int(i / size_t(columns)) * (cell_h + label_h + pad);
    for (int y = 0; y < t.height(); ++y) {
      const float* s = t.row(t.bounds().y + y);
      auto* d = sheet.ptr<cv::Vec3b>(y0 + y) + x0;
      for (int x = 0; x < t.width(); ++x, s += 4)
        d[x] = cv::Vec3b(cv::saturate_cast<uint8_t>(s[2] * 255.f + 0.5f),
                         cv::saturate_cast<uint8_t>(s[1] * 255.f + 0.5f),
                         cv::saturate_cast<uint8_t>(s[0] * 255.f + 0.5f));
    }
    const std::string text = std::to_string(i + 1) + "  " + (i < labels.size() ? labels[i] : "");
    cv::putText(sheet, text, cv::Point(x0 + 2, y0 + cell_h + 18), cv::FONT_HERSHEY_SIMPLEX, 0.5,
                cv::Scalar(230, 230, 230), 1, cv::LINE_AA);
  }
  std::vector<uint8_t> rgb(size_t(sheet.rows) * size_t(sheet.cols) * 3);
  for (int y = 0; y < sheet.rows; ++y) {
    const auto* s = sheet.ptr<cv::Vec3b>(y);
    uint8_t* d = rgb.data() + size_t(y) * size_t(sheet.cols) * 3;
    for (int x = 0; x < sheet.cols; ++x, d += 3) d[0] = s[x][2], d[1] = s[x][1], d[2] = s[x][0];
  }
  io::StillEncoding e;
  e.format = ext == ".png" ? io::StillFormat::kPng : io::StillFormat::kJpeg;
  e.png_compression = 6;  // kept, not streamed
  FL_ASSIGN_OR_RETURN(std::string bytes, io::encode_still(rgb.data(), sheet.cols, sheet.rows, e));
  OutputRecord sheet_record = record;
  sheet_record.kind = OutputKind::kSheet;
  return pipeline.write_file(sheet_record, bytes).with_context("contact sheet: ");
}

}  // namespace fl::looks
