#include "io/timeline/otio.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace fl::io {
namespace {

using nlohmann::json;

constexpr double kMaxFrames = 1e12;  // ~1300 years at 24 fps; keeps int64 math far from overflow

struct Time {
  double value = 0, rate = 0;
};

// OTIO itself reads and writes NaN, Infinity and -Infinity (in metadata, mostly), which JSON
// has no words for: outside strings they read as null, and a field that needed a number says so.
std::string nonfinite_as_null(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    size_t sign = (c == '-' || c == '+') ? 1 : 0;
    bool replaced = false;
    for (std::string_view word : {"Infinity", "NaN", "Inf"}) {
      const size_t end = i + sign + word.size();
      if (text.substr(i + sign, word.size()) == word &&
          (end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end])))) {
        out += "null";
        i = end - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

class OtioParser {
 public:
  OtioParser(std::string_view text, std::string_view name, const std::string& base_dir)
      : text_(text), name_(name), base_dir_(base_dir) {}

  Result<Timeline> run() {
    json root;
    try {
      root = json::parse(nonfinite_as_null(text_));
    } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
      std::string what = e.what();
      // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the tag.
      if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
      return corrupt_data(std::string(name_) + ": not JSON: " + what);
    }
    try {
      Status s = timeline(root);
      if (!s.ok()) return s;
    } catch (const std::exception& e) {  // accessors are checked first; this is a backstop
      return corrupt_data(std::string(name_) + ": " + e.what());
    }
    return std::move(out_);
  }

 private:
  Status error(const std::string& field, const std::string& message) const {
    return Status(
        ErrorCode::kCorruptData,
        std::string(name_) + ": " + (field.empty() ? "(top level)" : field) + ": " + message,
        field);
  }

  void warn_once(const std::string& message) {
    if (std::find(out_.warnings.begin(), out_.warnings.end(), message) == out_.warnings.end())
      out_.warnings.push_back(message);
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  // A member that is present and not null, else nullptr.
  static const json* member(const json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  static std::string schema(const json& obj) {
    const json* s = member(obj, "OTIO_SCHEMA");
    return s && s->is_string() ? s->get<std::string>() : std::string();
  }

  static std::string string_or(const json& obj, const char* key, std::string fallback = {}) {
    const json* s = member(obj, key);
    return s && s->is_string() ? s->get<std::string>() : fallback;
  }

  Status time(const json& t, const std::string& field, Time& out) const {
    if (!t.is_object()) return error(field, "expected a RationalTime object");
    const json* v = member(t, "value");
    const json* r = member(t, "rate");
    if (!v || !v->is_number()) return error(join(field, "value"), "expected a number");
    if (!r || !r->is_number()) return error(join(field, "rate"), "expected a number");
    out.value = v->get<double>();
    out.rate = r->get<double>();
    if (!std::isfinite(out.value) || std::abs(out.value) > kMaxFrames * 1e3)
      return error(join(field, "value"), "out of range");
    if (!std::isfinite(out.rate) || out.rate <= 0 || out.rate > 1e6)
      return error(join(field, "rate"), "must be a positive frame rate");
    return ok_status();
  }

  // `t` in frames of the timeline rate; non-negative.
  Status frames(const Time& t, const std::string& field, int64_t& out) {
    const double f = t.value * out_.rate.to_double() / t.rate;
    if (!(f > -0.5)) return error(field, "is negative");
    if (f > kMaxFrames) return error(field, "out of range");
    out = std::llround(f);
    if (std::abs(f - double(out)) > 1e-3) warn_once("times between frames are rounded");
    return ok_status();
  }

  // source_range of an item, or its media's available_range when it has none.
  Status range(const json& item, const std::string& field, const json* fallback, Time& start,
               Time& duration) {
    std::string f = join(field, "source_range");
    const json* r = member(item, "source_range");
    if (!r && fallback) r = fallback, f = join(field, "media_reference.available_range");
    if (!r) return error(f, "missing");
    if (!r->is_object()) return error(f, "expected a TimeRange object");
    const json* s = member(*r, "start_time");
    const json* d = member(*r, "duration");
    if (!s) return error(join(f, "start_time"), "missing");
    if (!d) return error(join(f, "duration"), "missing");
    FL_RETURN_IF_ERROR(time(*s, join(f, "start_time"), start));
    return time(*d, join(f, "duration"), duration);
  }

  Status timeline(const json& root) {
    if (!root.is_object()) return error("", "expected an OTIO Timeline object");
    if (std::string s = schema(root); s != "Timeline.1")
      return error("OTIO_SCHEMA", "expected Timeline.1, found '" + s + "'");
    out_.name = string_or(root, "name");
    if (out_.name.empty()) {
      std::string_view stem = name_.substr(name_.find_last_of('/') + 1);
      out_.name = stem.substr(0, stem.rfind('.'));
    }
    const json* tracks = member(root, "tracks");
    if (!tracks) return error("tracks", "missing");
    if (schema(*tracks) != "Stack.1") return error("tracks", "expected a Stack.1");
    const json* children = member(*tracks, "children");
    if (!children || !children->is_array())
      return error("tracks.children", "expected an array of tracks");
    const json* video = nullptr;
    std::string video_field;
    size_t video_tracks = 0;
    for (size_t i = 0; i < children->size(); ++i) {
      const json& t = (*children)[i];
      const std::string field = index("tracks.children", i);
      // Sequence.1 is OTIO's older name for Track.1.
      if (schema(t) != "Track.1" && schema(t) != "Sequence.1") {
        warn_once("items other than tracks in the top-level stack are ignored");
        continue;
      }
      if (const json* on = member(t, "enabled"); on && on->is_boolean() && !on->get<bool>()) {
        warn_once("disabled tracks are ignored");
        continue;
      }
      std::string kind = string_or(t, "kind");
      if (kind == "Audio") {
        warn_once("audio tracks are ignored");
      } else if (kind == "Video") {
        if (!video) video = &t, video_field = field;
        ++video_tracks;
      } else {
        return error(join(field, "kind"), "expected \"Video\" or \"Audio\", found '" + kind + "'");
      }
    }
    if (video_tracks > 1) {
      out_.warnings.push_back(std::to_string(video_tracks) +
                              " video tracks; only the first is used");
    }
    FL_RETURN_IF_ERROR(choose_rate(root, video, video_field));
    if (const json* g = member(root, "global_start_time")) {
      Time t;
      FL_RETURN_IF_ERROR(time(*g, "global_start_time", t));
      FL_RETURN_IF_ERROR(frames(t, "global_start_time", out_.start));
    }
    if (!video) warn_once("no video track");
    if (video) FL_RETURN_IF_ERROR(track(*video, video_field));
    // As for EDLs (which cannot say it): a timeline without clips starts nowhere in particular.
    if (out_.clips.empty()) out_.start = 0;
    return ok_status();
  }

  // The rate of the first item's duration in the video track, else of global_start_time.
  Status choose_rate(const json& root, const json* video, const std::string& video_field) {
    std::optional<double> rate;
    std::string field;
    const json* items = video ? member(*video, "children") : nullptr;
    if (items && items->is_array()) {
      for (size_t i = 0; i < items->size() && !rate; ++i) {
        const json* r = member((*items)[i], "source_range");
        const json* d = r ? member(*r, "duration") : nullptr;
        const json* v = d ? member(*d, "rate") : nullptr;
        if (v && v->is_number()) {
          rate = v->get<double>();
          field = join(index(join(video_field, "children"), i), "source_range.duration.rate");
        }
      }
    }
    if (!rate) {
      const json* g = member(root, "global_start_time");
      const json* v = g ? member(*g, "rate") : nullptr;
      if (v && v->is_number()) rate = v->get<double>(), field = "global_start_time.rate";
    }
    if (!rate) {
      out_.rate = {24, 1};
      return ok_status();
    }
    auto exact = timeline_detail::rate_from_double(*rate);
    if (!exact) return error(field, "is not a frame rate framelock can use");
    out_.rate = *exact;
    return ok_status();
  }

  Status track(const json& t, const std::string& field) {
    const std::string items_field = join(field, "children");
    const json* items = member(t, "children");
    if (!items) return ok_status();
    if (!items->is_array()) return error(items_field, "expected an array");
    int64_t cursor = 0;
    for (size_t i = 0; i < items->size(); ++i) {
      const json& item = (*items)[i];
      const std::string f = index(items_field, i);
      const std::string s = schema(item);
      if (s == "Transition.1") {
        warn_once("transitions are treated as cuts");
        continue;
      }
      const bool is_clip = s == "Clip.1" || s == "Clip.2";
      if (!is_clip && s != "Gap.1") {
        return error(f, "unsupported item '" + s + "' (expected Clip, Gap or Transition)");
      }
      TimelineClip clip;
      const json* available = nullptr;
      if (is_clip) FL_RETURN_IF_ERROR(media(item, f, clip, available));
      Time start, duration;
      FL_RETURN_IF_ERROR(range(item, f, is_clip ? available : nullptr, start, duration));
      int64_t in = 0, length = 0;
      FL_RETURN_IF_ERROR(frames(start, join(f, "source_range.start_time"), in));
      FL_RETURN_IF_ERROR(frames(duration, join(f, "source_range.duration"), length));
      const json* enabled = member(item, "enabled");
      if (is_clip && enabled && enabled->is_boolean() && !enabled->get<bool>()) {
        warn_once("disabled clips are gaps");
      } else if (is_clip && length > 0) {
        clip.name = string_or(item, "name");
        clip.source_in = in;
        clip.source_out = in + length;
        clip.record_in = cursor;
        FL_RETURN_IF_ERROR(metadata(item, f, clip));
        out_.clips.push_back(std::move(clip));
      }
      cursor += length;
    }
    out_.end = cursor;  // a trailing gap is part of the cut
    return trim_track(t, field);
  }

  // A track's own source_range shows [start, start + duration) of what its items lay out.
  Status trim_track(const json& t, const std::string& field) {
    if (!member(t, "source_range")) return ok_status();
    Time start, duration;
    FL_RETURN_IF_ERROR(range(t, field, nullptr, start, duration));
    int64_t from = 0, length = 0;
    FL_RETURN_IF_ERROR(frames(start, join(field, "source_range.start_time"), from));
    FL_RETURN_IF_ERROR(frames(duration, join(field, "source_range.duration"), length));
    std::vector<TimelineClip> kept;
    for (TimelineClip c : out_.clips) {
      const int64_t in = std::max(c.record_in, from);
      const int64_t out = std::min(c.record_out(), from + length);
      if (out <= in) continue;
      c.source_in += in - c.record_in;
      c.source_out = c.source_in + (out - in);
      c.record_in = in - from;
      kept.push_back(std::move(c));
    }
    out_.clips = std::move(kept);
    out_.end = length;
    return ok_status();
  }

  Status media(const json& item, const std::string& field, TimelineClip& clip,
               const json*& available) {
    const json* ref = nullptr;
    std::string ref_field;
    if (const json* refs = member(item, "media_references")) {
      if (!refs->is_object()) return error(join(field, "media_references"), "expected an object");
      std::string key = string_or(item, "active_media_reference_key", "DEFAULT_MEDIA");
      ref = member(*refs, key.c_str());
      ref_field = join(field, "media_references." + key);
      if (!ref && !refs->empty())
        return error(join(field, "active_media_reference_key"), "no reference '" + key + "'");
    } else {
      ref = member(item, "media_reference");
      ref_field = join(field, "media_reference");
    }
    if (!ref) return ok_status();
    if (!ref->is_object()) return error(ref_field, "expected a media reference object");
    available = member(*ref, "available_range");
    const std::string s = schema(*ref);
    if (s == "ExternalReference.1") {
      const json* url = member(*ref, "target_url");
      if (!url || !url->is_string()) return error(join(ref_field, "target_url"), "missing");
      clip.path = path_from_url(url->get<std::string>());
    } else if (s != "MissingReference.1") {
      warn_once("media references other than ExternalReference.1 ('" + s + "') have no path");
    }
    return ok_status();
  }

  std::string path_from_url(const std::string& url) const {
    constexpr std::string_view kFile = "file://";
    if (url.compare(0, kFile.size(), kFile) != 0)
      return timeline_detail::resolve_path(url, base_dir_);
    std::string rest = url.substr(kFile.size());
    if (!rest.empty() && rest[0] != '/') {  // file://host/path: the host is this machine
      size_t slash = rest.find('/');
      rest = slash == std::string::npos ? std::string() : rest.substr(slash);
    }
    std::string out;
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '%' && i + 2 < rest.size() && hex(rest[i + 1]) >= 0 && hex(rest[i + 2]) >= 0) {
        out += char(hex(rest[i + 1]) * 16 + hex(rest[i + 2]));
        i += 2;
      } else {
        out += rest[i];
      }
    }
    return out;
  }

  Status vec3(const json& obj, const std::string& field, const char* key, bool non_negative,
              std::array<double, 3>& out) const {
    const json* a = member(obj, key);
    const std::string f = join(field, key);
    if (!a) return error(f, "missing");
    if (!a->is_array() || a->size() != 3) return error(f, "expected 3 numbers");
    for (size_t c = 0; c < 3; ++c) {
      if (!(*a)[c].is_number()) return error(index(f, c), "expected a number");
      out[c] = (*a)[c].get<double>();
      if (!std::isfinite(out[c])) return error(index(f, c), "not finite");
      if (non_negative && out[c] < 0) return error(index(f, c), "is negative");
    }
    return ok_status();
  }

  Status metadata(const json& item, const std::string& field, TimelineClip& clip) const {
    const json* md = member(item, "metadata");
    if (!md || !md->is_object()) return ok_status();
    const std::string mf = join(field, "metadata");
    if (const json* cmx = member(*md, "cmx_3600")) clip.reel = string_or(*cmx, "reel");
    const json* cdl = member(*md, "cdl");
    if (!cdl) return ok_status();
    const std::string cf = join(mf, "cdl");
    if (!cdl->is_object()) return error(cf, "expected an object");
    ClipCdl c;
    const json* sop = member(*cdl, "asc_sop");
    const json* sat = member(*cdl, "asc_sat");
    if (!sop && !sat) return ok_status();
    if (sop) {
      const std::string sf = join(cf, "asc_sop");
      if (!sop->is_object()) return error(sf, "expected an object");
      FL_RETURN_IF_ERROR(vec3(*sop, sf, "slope", true, c.slope));
      FL_RETURN_IF_ERROR(vec3(*sop, sf, "offset", false, c.offset));
      FL_RETURN_IF_ERROR(vec3(*sop, sf, "power", true, c.power));
    }
    if (sat) {
      const std::string sf = join(cf, "asc_sat");
      if (!sat->is_number()) return error(sf, "expected a number");
      c.saturation = sat->get<double>();
      if (!std::isfinite(c.saturation) || c.saturation < 0)
        return error(sf, "must be a finite number >= 0");
    }
    clip.cdl = c;
    return ok_status();
  }

  std::string_view text_, name_;
  const std::string& base_dir_;
  Timeline out_;
};

using ojson = nlohmann::ordered_json;

ojson rational_time(double value, Rational rate) {
  return {{"OTIO_SCHEMA", "RationalTime.1"}, {"rate", rate.to_double()}, {"value", value}};
}

ojson time_range(int64_t start, int64_t duration, Rational rate) {
  return {{"OTIO_SCHEMA", "TimeRange.1"},
          {"duration", rational_time(double(duration), rate)},
          {"start_time", rational_time(double(start), rate)}};
}

std::string url_for(const std::string& path) {
  if (path.empty() || path[0] != '/') return path;  // relative: OTIO reads plain paths
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
        c == '-' || c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ojson item_base(const char* schema, const std::string& name, ojson metadata) {
  return {{"OTIO_SCHEMA", schema},   {"metadata", std::move(metadata)}, {"name", name},
          {"source_range", nullptr}, {"effects", ojson::array()},       {"markers", ojson::array()},
          {"enabled", true}};
}

}  // namespace

Result<Timeline> parse_otio(std::string_view text, std::string_view name,
                            const std::string& base_dir) {
  return OtioParser(text, name, base_dir).run();
}

std::string write_otio(const Timeline& t) {
  ojson items = ojson::array();
  int64_t end = 0;
  for (const TimelineClip& c : t.clips) {
    if (c.record_in > end) {
      ojson gap = item_base("Gap.1", "", ojson::object());
      gap["source_range"] = time_range(0, c.record_in - end, t.rate);
      items.push_back(std::move(gap));
    }
    end = c.record_out();
    ojson md = ojson::object();
    if (!c.reel.empty()) md["cmx_3600"] = {{"reel", c.reel}};
    if (c.cdl) {
      md["cdl"] = {{"asc_sop",
                    {{"slope", c.cdl->slope}, {"offset", c.cdl->offset}, {"power", c.cdl->power}}},
                   {"asc_sat", c.cdl->saturation}};
    }
    ojson clip = item_base("Clip.2", c.name, std::move(md));
    clip["source_range"] = time_range(c.source_in, c.duration(), t.rate);
    ojson ref = c.path.empty() ? ojson{{"OTIO_SCHEMA", "MissingReference.1"}}
                               : ojson{{"OTIO_SCHEMA", "ExternalReference.1"},
                                       {"target_url", url_for(c.path)}};
    ref["metadata"] = ojson::object();
    ref["name"] = "";
    ref["available_range"] = nullptr;
    ref["available_image_bounds"] = nullptr;
    clip["media_references"] = {{"DEFAULT_MEDIA", std::move(ref)}};
    clip["active_media_reference_key"] = "DEFAULT_MEDIA";
    items.push_back(std::move(clip));
  }
  if (t.duration() > end) {  // the cut ends in a gap
    ojson gap = item_base("Gap.1", "", ojson::object());
    gap["source_range"] = time_range(0, t.duration() - end, t.rate);
    items.push_back(std::move(gap));
  }
  ojson track = item_base("Track.1", "V1", ojson::object());
  track["children"] = std::move(items);
  track["kind"] = "Video";
  ojson stack = item_base("Stack.1", "tracks", ojson::object());
  stack["children"] = ojson::array({std::move(track)});
  ojson root = {{"OTIO_SCHEMA", "Timeline.1"},
                {"metadata", ojson::object()},
                {"name", t.name},
                {"global_start_time", rational_time(double(t.start), t.rate)},
                {"tracks", std::move(stack)}};
  // Names that are not UTF-8 (EDLs have no encoding) are written with U+FFFD, not thrown on.
  return json_text(root, 4) + "\n";
}

}  // namespace fl::io
