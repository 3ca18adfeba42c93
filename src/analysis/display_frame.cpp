#include "analysis/display_frame.h"

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

}  // namespace fl::analysis
