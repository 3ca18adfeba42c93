#include "io/dispatch/timeline_source.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include "io/timeline/edl.h"
#include "io/timeline/timeline.h"

namespace fl::io {
namespace {

std::string rate_text(Rational r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

// Bilinear resample over float RGBA (sample centres aligned), for clips whose size differs from
// the timeline's. Good enough for a conform preview; a proper scaler belongs in a graph op.
Image resize_bilinear(const Image& src, int width, int height) {
  Image dst(width, height);
  const int sw = src.width(), sh = src.height();
  const float sx = float(sw) / float(width), sy = float(sh) / float(height);
  for (int y = 0; y < height; ++y) {
    const float fy = std::clamp((float(y) + 0.5f) * sy - 0.5f, 0.0f, float(sh - 1));
    const int y0 = int(fy), y1 = std::min(y0 + 1, sh - 1);
    const float wy = fy - float(y0);
    const float* r0 = src.row(src.bounds().y + y0);
    const float* r1 = src.row(src.bounds().y + y1);
    float* out = dst.row(y);
    for (int x = 0; x < width; ++x) {
      const float fx = std::clamp((float(x) + 0.5f) * sx - 0.5f, 0.0f, float(sw - 1));
      const int x0 = int(fx), x1 = std::min(x0 + 1, sw - 1);
      const float wx = fx - float(x0);
      for (int c = 0; c < Image::kChannels; ++c) {
        const float top = r0[x0 * 4 + c] + (r0[x1 * 4 + c] - r0[x0 * 4 + c]) * wx;
        const float bottom = r1[x0 * 4 + c] + (r1[x1 * 4 + c] - r1[x0 * 4 + c]) * wx;
        out[x * 4 + c] = top + (bottom - top) * wy;
      }
    }
  }
  return dst;
}

struct PlannedClip {
  TimelineClip clip;
  std::string label;         // "clip 2 'b.mov'", for errors
  int64_t media_offset = 0;  // subtracted from source frames to give media frame indices
  bool still = false;        // a single image held for the whole clip
  bool resample = false;
};

class TimelineSource final : public FrameSource {
 public:
  TimelineSource(std::string path, SourceOptions options)
      : path_(std::move(path)), options_(std::move(options)) {}

  Status open() {
    FL_ASSIGN_OR_RETURN(timeline_, read_timeline_file(path_));
    std::string ext = std::filesystem::path(path_).extension().string();
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    const bool is_edl = ext == ".edl";
    if (is_edl) FL_RETURN_IF_ERROR(adopt_media_rate());
    if (timeline_.clips.empty()) {
      return invalid_argument("timeline '" + path_ + "' has no video clips");
    }
    warnings_ = timeline_.warnings;
    std::map<std::string, MediaInfo> probed;
    MediaInfo first;
    for (size_t i = 0; i < timeline_.clips.size(); ++i) {
      PlannedClip p;
      p.clip = timeline_.clips[i];
      p.label = "clip " + std::to_string(i + 1) +
                (p.clip.name.empty() ? std::string() : " '" + p.clip.name + "'");
      auto it = probed.find(p.clip.path);
      if (it == probed.end()) {
        FL_ASSIGN_OR_RETURN(MediaInfo info, probe_clip(p));
        it = probed.emplace(p.clip.path, std::move(info)).first;
      }
      if (i == 0) first = it->second;
      FL_RETURN_IF_ERROR(plan_clip(p, it->second, first));
      clips_.push_back(std::move(p));
    }
    // The first clip decides the size, colour and the transfer that sinks re-apply.
    FL_RETURN_IF_ERROR(switch_to(0));
    transfer_ = open_->transfer();
    info_ = open_->info();
    info_.path = path_;
    info_.container = is_edl ? "edl" : "otio";
    info_.frame_rate = timeline_.rate;
    info_.frame_count = timeline_.duration();
    info_.first_frame = 0;
    info_.duration_seconds = double(info_.frame_count) / timeline_.rate.to_double();
    info_.timecode = frames_to_timecode(timeline_.start, timeline_.rate, timeline_.drop_frame);
    info_.has_audio = false;  // audio is not conformed
    info_.audio_codec.clear();
    info_.audio_channels = info_.audio_sample_rate = 0;
    info_.media_files.clear();
    for (const auto& c : clips_)
      if (!c.clip.path.empty() && std::find(info_.media_files.begin(), info_.media_files.end(),
                                            c.clip.path) == info_.media_files.end())
        info_.media_files.push_back(c.clip.path);
    info_.warnings = warnings_;
    return ok_status();
  }

  const MediaInfo& info() const override { return info_; }
  colour::Transfer transfer() const override { return transfer_; }

  Result<Image> read_frame(int64_t n) override {
    if (n < 0 || n >= info_.frame_count) {
      return invalid_argument("timeline '" + path_ + "': frame " + std::to_string(n) +
                              " is outside 0.." + std::to_string(info_.frame_count - 1));
    }
    auto after =
        std::upper_bound(clips_.begin(), clips_.end(), n,
                         [](int64_t f, const PlannedClip& c) { return f < c.clip.record_in; });
    if (after == clips_.begin() || n >= std::prev(after)->clip.record_out()) {
      Image black(info_.width, info_.height);  // a gap
      black.fill(0, 0, 0, 1);
      return black;
    }
    const size_t index = size_t(std::prev(after) - clips_.begin());
    const PlannedClip& p = clips_[index];
    FL_RETURN_IF_ERROR(switch_to(index));
    const int64_t media_frame =
        p.still ? 0 : p.clip.source_in + (n - p.clip.record_in) - p.media_offset;
    auto frame = open_->read_frame(media_frame);
    if (!frame.ok())
      return frame.status().with_context("timeline '" + path_ + "': " + p.label + ": ");
    if (!p.resample) return frame;
    return resize_bilinear(*frame, info_.width, info_.height);
  }

 private:
  // EDLs carry no frame rate: count their timecodes at the rate of the first clip whose media
  // can be found (the parse without a hint assumed the least rate its frame fields fit).
  Status adopt_media_rate() {
    for (const TimelineClip& c : timeline_.clips) {
      std::error_code ec;
      if (c.path.empty() || is_timeline_path(c.path) ||
          !std::filesystem::is_regular_file(c.path, ec))
        continue;
      auto info = probe(c.path);
      if (!info.ok()) return ok_status();    // reported with the clip below
      if (info->frame_count == 1) continue;  // a still's rate means nothing
      if (info->frame_rate.num <= 0) return ok_status();
      // Parsed again at the media's rate even when the first parse guessed it: then nothing is
      // left assumed, and no warning says it was.
      FL_ASSIGN_OR_RETURN(timeline_, read_timeline_file(path_, info->frame_rate));
      return ok_status();
    }
    return ok_status();
  }

  Result<MediaInfo> probe_clip(const PlannedClip& p) const {
    const std::string where = "timeline '" + path_ + "': " + p.label + ": ";
    if (p.clip.path.empty())
      return not_found(where + "the timeline does not say which media it uses");
    if (is_timeline_path(p.clip.path))
      return unsupported(where + "'" + p.clip.path +
                         "' is a timeline; nested timelines are not supported");
    // Sequence patterns (shot.%04d.exr, shot.####.exr) are not files; the reader checks them.
    const bool pattern = p.clip.path.find_first_of("%#") != std::string::npos;
    std::error_code ec;
    if (!pattern && !std::filesystem::exists(p.clip.path, ec))
      return not_found(where + "media '" + p.clip.path + "' not found");
    auto info = probe(p.clip.path);
    if (!info.ok()) return info.status().with_context(where);
    return info;
  }

  Status plan_clip(PlannedClip& p, const MediaInfo& media, const MediaInfo& first) {
    const std::string where = "timeline '" + path_ + "': " + p.label + ": ";
    p.still = media.frame_count == 1;
    // Source frames are counted from the media's start timecode when the edit used it (an EDL
    // cut at 01:00:10:00 from media starting at 01:00:00:00 wants frame 240 at 24 fps), else
    // from the first frame; the same for an image sequence's first frame number.
    int64_t start = 0;
    if (!media.timecode.empty()) {
      start = timecode_to_frames(media.timecode, timeline_.rate,
                                 media.timecode.find(';') != std::string::npos)
                  .value_or(0);
    } else if (media.first_frame > 0) {
      start = media.first_frame;
    }
    if (start > 0 && p.clip.source_in >= start) p.media_offset = start;
    if (!p.still && p.clip.source_out - p.media_offset > media.frame_count) {
      return corrupt_data(where + "uses source frames " +
                          std::to_string(p.clip.source_in - p.media_offset) + ".." +
                          std::to_string(p.clip.source_out - p.media_offset - 1) + " but '" +
                          p.clip.path + "' has " + std::to_string(media.frame_count) + " frames");
    }
    // 2997/125 and 24000/1001 are the same rate to anyone watching.
    const double ratio = media.frame_rate.to_double() / timeline_.rate.to_double();
    if (!p.still && std::abs(ratio - 1) > 1e-3) {
      warnings_.push_back(p.label + " is " + rate_text(media.frame_rate) + " fps on a " +
                          rate_text(timeline_.rate) +
                          " fps timeline; its frames are used one for one");
    }
    p.resample = media.width != first.width || media.height != first.height;
    if (p.resample) {
      warnings_.push_back(p.label + " is " + std::to_string(media.width) + "x" +
                          std::to_string(media.height) + "; resampled to " +
                          std::to_string(first.width) + "x" + std::to_string(first.height));
    }
    return ok_status();
  }

  // Keeps one clip's media open; consecutive clips from the same file share it.
  Status switch_to(size_t index) {
    const std::string& path = clips_[index].clip.path;
    if (open_ && open_path_ == path) return ok_status();
    open_.reset();
    auto source = open_source(path, options_);
    if (!source.ok()) {
      return source.status().with_context("timeline '" + path_ + "': " + clips_[index].label +
                                          ": ");
    }
    open_ = std::move(source).value();
    open_path_ = path;
    return ok_status();
  }

  std::string path_;
  SourceOptions options_;
  Timeline timeline_;
  std::vector<PlannedClip> clips_;
  std::vector<std::string> warnings_;
  MediaInfo info_;
  colour::Transfer transfer_{};
  std::unique_ptr<FrameSource> open_;
  std::string open_path_;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> open_timeline_source(const std::string& path,
                                                          const SourceOptions& options) {
  auto source = std::make_unique<TimelineSource>(path, options);
  FL_RETURN_IF_ERROR(source->open());
  return std::unique_ptr<FrameSource>(std::move(source));
}

}  // namespace fl::io
