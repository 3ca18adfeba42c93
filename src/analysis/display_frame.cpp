#include "analysis/display_frame.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "analysis/correspondence.h"

namespace fl::analysis {

cv::Mat display_bgr(const Image& linear, colour::Transfer transfer) {
  cv::Mat rgb8, bgr;
  correspondence::encoded(linear, colour::TransferCurve::get(transfer)).convertTo(rgb8, CV_8U, 255);
  cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

Result<cv::Mat> display_bgr(io::FrameSource& source, int64_t i, FrameSignature* signature) {
  cv::Mat rgb8;
  if (source.reads_rgb48()) {
    FL_ASSIGN_OR_RETURN(Rgb48Image img, source.read_frame_rgb48(i));
    if (signature) *signature = signature_of_rgb48(img.data(), img.width(), img.height());
    cv::Mat(img.height(), img.width(), CV_16UC3, img.data()).convertTo(rgb8, CV_8U, 1.0 / 257);
  } else {
    FL_ASSIGN_OR_RETURN(Image img, source.read_frame(i));
    if (signature) *signature = signature_of_linear(img, source.transfer());
    return display_bgr(img, source.transfer());
  }
  cv::Mat bgr;
  cv::cvtColor(rgb8, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

namespace {

cv::Size scaled(int width, int height, double scale) {
  return {std::max(1, int(std::lround(width * scale))),
          std::max(1, int(std::lround(height * scale)))};
}

Result<cv::Mat> read_region(const io::DecodedFrame& frame, const cv::Rect& region, double scale) {
  const cv::Rect r = region & cv::Rect(0, 0, frame.width(), frame.height());
  if (r.empty()) return invalid_argument("the region lies outside the frame");
  cv::Mat out(scaled(r.width, r.height, scale), CV_8UC3);
  FL_RETURN_IF_ERROR(
      frame.read_bgr8({r.x, r.y, r.width, r.height}, out.cols, out.rows, out.data, out.step));
  return out;
}

}  // namespace

Result<AnalysisFrame> analysis_frame(io::FrameSource& source, int64_t i, double scale) {
  AnalysisFrame f;
  // At full size the 16-bit path is as fast and its chroma is sited exactly (ycbcr.h).
  if (scale < 1 && source.reads_decoded()) {
    FL_ASSIGN_OR_RETURN(std::shared_ptr<const io::DecodedFrame> decoded, source.read_decoded(i));
    FL_ASSIGN_OR_RETURN(f.bgr,
                        read_region(*decoded, {0, 0, decoded->width(), decoded->height()}, scale));
    f.signature = signature_of_bgr8(f.bgr.data, f.bgr.cols, f.bgr.rows, f.bgr.step);
    if (scale < 1)
      f.full = [decoded](const cv::Rect& region, double s) {
        return read_region(*decoded, region, s);
      };
    return f;
  }
  FL_ASSIGN_OR_RETURN(cv::Mat whole, display_bgr(source, i, &f.signature));
  if (scale >= 1) {
    f.bgr = whole;
    return f;
  }
  cv::resize(whole, f.bgr, scaled(whole.cols, whole.rows, scale), 0, 0, cv::INTER_AREA);
  f.full = [whole](const cv::Rect& region, double s) -> Result<cv::Mat> {
    const cv::Rect r = region & cv::Rect(0, 0, whole.cols, whole.rows);
    if (r.empty()) return invalid_argument("the region lies outside the frame");
    if (s >= 1) return whole(r).clone();
    cv::Mat out;
    cv::resize(whole(r), out, scaled(r.width, r.height, s), 0, 0, cv::INTER_AREA);
    return out;
  };
  return f;
}

}  // namespace fl::analysis
