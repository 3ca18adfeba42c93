// Plates as bytes: what a fill or clean_plate analysis made survives a restart and travels to
// another machine that sees the same store, instead of being made again from frames across the
// shot.
#include "inpaint/hole_plate.h"

namespace fl::inpaint {
namespace {

constexpr int kMaxLevels = 4;  // 1, 1/2, 1/4, 1/8

void write_mask(serial::Writer& w, const cv::Mat1b& m) {
  w.i64(m.rows).i64(m.cols);
  const cv::Mat1b c = m.isContinuous() ? m : m.clone();
  w.bytes(c.data, c.total());
}

Result<cv::Mat1b> read_mask(serial::Reader& r) {
  FL_ASSIGN_OR_RETURN(int64_t rows, r.i64());
  FL_ASSIGN_OR_RETURN(int64_t cols, r.i64());
  FL_ASSIGN_OR_RETURN(std::string bytes, r.bytes());
  if (rows < 0 || cols < 0 || rows > 65536 || cols > 65536 ||
      bytes.size() != size_t(rows) * size_t(cols))
    return corrupt_data("plate state: a " + std::to_string(rows) + "x" + std::to_string(cols) +
                        " mask with " + std::to_string(bytes.size()) + " bytes");
  const int height = int(rows), width = int(cols);
  cv::Mat1b m(height, width);
  if (!bytes.empty()) std::memcpy(m.data, bytes.data(), bytes.size());
  return m;
}

}  // namespace

void save_hole_plate(serial::Writer& w, const HolePlate& plate) {
  w.i64(plate.reference).i64(plate.width).i64(plate.height);
  w.i64(int64_t(plate.levels.size()));
  for (const Image& level : plate.levels) w.image(level);
  write_mask(w, plate.grey);
  write_mask(w, plate.trusted);
  w.i64(plate.report.samples)
      .i64(plate.report.pixels)
      .i64(plate.report.synthesised)
      .i64(plate.report.masked_everywhere);
}

Result<HolePlate> load_hole_plate(serial::Reader& r) {
  HolePlate p;
  FL_ASSIGN_OR_RETURN(p.reference, r.i64());
  FL_ASSIGN_OR_RETURN(int64_t width, r.i64());
  FL_ASSIGN_OR_RETURN(int64_t height, r.i64());
  if (p.reference < 0 || width <= 0 || height <= 0 || width > 65536 || height > 65536)
    return corrupt_data("plate state: frame " + std::to_string(width) + "x" +
                        std::to_string(height) + ", reference " + std::to_string(p.reference));
  p.width = int(width);
  p.height = int(height);
  FL_ASSIGN_OR_RETURN(int64_t levels, r.count(32));
  if (levels != kMaxLevels)
    return corrupt_data("plate state: " + std::to_string(levels) + " pyramid levels, not 4");
  for (int64_t i = 0; i < levels; ++i) {
    FL_ASSIGN_OR_RETURN(Image level, r.image());
    // Each level covers part of the frame at its scale, and none is empty.
    const int w = (p.width + (1 << i) - 1) >> i, h = (p.height + (1 << i) - 1) >> i;
    if (level.empty() || level.bounds().intersect(Rect{0, 0, w, h}).empty())
      return corrupt_data("plate state: level " + std::to_string(i) + " lies outside its frame");
    p.levels.push_back(std::move(level));
  }
  FL_ASSIGN_OR_RETURN(p.grey, read_mask(r));
  FL_ASSIGN_OR_RETURN(p.trusted, read_mask(r));
  if (p.grey.size() != p.trusted.size() || p.grey.empty())
    return corrupt_data("plate state: the grey and trusted grids differ");
  int64_t samples = 0;
  FL_ASSIGN_OR_RETURN(samples, r.i64());
  p.report.samples = int(samples);
  FL_ASSIGN_OR_RETURN(p.report.pixels, r.i64());
  FL_ASSIGN_OR_RETURN(p.report.synthesised, r.i64());
  FL_ASSIGN_OR_RETURN(p.report.masked_everywhere, r.i64());
  return p;
}

size_t hole_plate_bytes(const HolePlate& plate) {
  size_t bytes = plate.grey.total() + plate.trusted.total() + 256;
  for (const Image& level : plate.levels) bytes += level.bytes();
  return bytes;
}

}  // namespace fl::inpaint
