#include "inpaint/extend.h"

#include <algorithm>
#include <cmath>

namespace fl::inpaint {
namespace {

// The frame on a larger canvas at (pad.left, pad.top); the rest black.
Image padded(const Image& frame, const Padding& pad) {
  Image out(frame.width() + pad.left + pad.right, frame.height() + pad.top + pad.bottom);
  out.fill(0, 0, 0, 1);
  for (int y = 0; y < frame.height(); ++y)
    std::copy_n(frame.row(frame.bounds().y + y), size_t(frame.width()) * 4,
                out.at(pad.left, pad.top + y));
  return out;
}

// 1 outside the frame, ramping to 0 over `feather` pixels inside its edges (only the edges that
// are extended), 0 beyond.
Image pad_mask(int w, int h, const Padding& pad, int feather) {
  Image m(w + pad.left + pad.right, h + pad.top + pad.bottom);
  const int x0 = pad.left, y0 = pad.top, x1 = pad.left + w, y1 = pad.top + h;
  for (int y = 0; y < m.height(); ++y) {
    float* row = m.row(y);
    for (int x = 0; x < m.width(); ++x) {
      float v = 1.0f;
      if (x >= x0 && x < x1 && y >= y0 && y < y1) {
        // Distance inside from each extended edge, in pixels (centre of the pixel).
        float d = 1e9f;
        if (pad.left) d = std::min(d, float(x - x0) + 0.5f);
        if (pad.right) d = std::min(d, float(x1 - x) - 0.5f);
        if (pad.top) d = std::min(d, float(y - y0) + 0.5f);
        if (pad.bottom) d = std::min(d, float(y1 - y) - 0.5f);
        v = feather > 0 ? std::clamp(1.0f - d / float(feather), 0.0f, 1.0f) : 0.0f;
      }
      std::fill_n(row + 4 * x, 4, v);
    }
  }
  return m;
}

}  // namespace

Result<Image> extend_frame(const Image& frame, const std::vector<MaskedFrame>& neighbours,
                           const Padding& pad, const ExtendOptions& options, FillReport* report) {
  if (pad.left < 0 || pad.right < 0 || pad.top < 0 || pad.bottom < 0)
    return invalid_argument("padding cannot be negative");
  if (pad.empty()) {
    Image out(frame.width(), frame.height());
    out.copy_from(frame);
    return out;
  }
  const int feather = std::min({options.feather, frame.width() / 4, frame.height() / 4});
  const Image mask = pad_mask(frame.width(), frame.height(), pad, feather);
  // The neighbours' own pixels are all real up to their edge: only the pad is unknown there.
  const Image hard = pad_mask(frame.width(), frame.height(), pad, 0);
  const Image canvas = padded(frame, pad);
  // Every neighbour gets the same canvas and the same mask: what lies outside it is unknown.
  std::vector<Image> canvases;
  canvases.reserve(neighbours.size());  // stable addresses for `around`
  std::vector<MaskedFrame> around;
  for (const MaskedFrame& n : neighbours) {
    if (!n.image || n.image->width() != frame.width() || n.image->height() != frame.height())
      continue;
    canvases.push_back(padded(*n.image, pad));
    around.push_back({&canvases.back(), &hard, n.offset});
  }
  FillOptions fo = options.fill;
  fo.max_hole_fraction = 0.95;  // the extension may be most of the new frame
  Image out;
  FL_RETURN_IF_ERROR(fill_from_neighbours({&canvas, &mask, 0}, around, fo, out, report));
  return out;
}

}  // namespace fl::inpaint
