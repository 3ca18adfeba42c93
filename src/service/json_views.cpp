#include "service/json_views.h"

namespace fl::service {

nlohmann::json media_to_json(const MediaInfo& m) {
  nlohmann::json j = {{"path", m.path},
                      {"container", m.container},
                      {"codec", m.codec},
                      {"pixel_format", m.pixel_format},
                      {"width", m.width},
                      {"height", m.height},
                      {"frame_rate", {{"num", m.frame_rate.num}, {"den", m.frame_rate.den}}},
                      {"fps", m.frame_rate.to_double()},
                      {"frame_count", m.frame_count},
                      {"first_frame", m.first_frame},
                      {"duration_seconds", m.duration_seconds},
                      {"timecode", m.timecode},
                      {"bit_depth", m.bit_depth},
                      {"has_alpha", m.has_alpha},
                      {"color_primaries", m.color_primaries},
                      {"color_transfer", m.color_transfer},
                      {"color_matrix", m.color_matrix},
                      {"color_range", m.color_range},
                      {"has_audio", m.has_audio},
                      {"audio_codec", m.audio_codec},
                      {"audio_channels", m.audio_channels},
                      {"audio_sample_rate", m.audio_sample_rate}};
  if (!m.warnings.empty()) j["warnings"] = m.warnings;  // a timeline's simplifications
  return j;
}

MediaInfo media_from_json(const nlohmann::json& j) {
  MediaInfo m;
  if (!j.is_object()) return m;
  auto str = [&](const char* k, std::string& v) {
    if (j.contains(k) && j[k].is_string()) v = j[k].get<std::string>();
  };
  auto num = [&](const char* k, auto& v) {
    if (j.contains(k) && j[k].is_number()) v = j[k].get<std::decay_t<decltype(v)>>();
  };
  auto flag = [&](const char* k, bool& v) {
    if (j.contains(k) && j[k].is_boolean()) v = j[k].get<bool>();
  };
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& w : j["warnings"])
      if (w.is_string()) m.warnings.push_back(w.get<std::string>());
  str("path", m.path);
  str("container", m.container);
  str("codec", m.codec);
  str("pixel_format", m.pixel_format);
  num("width", m.width);
  num("height", m.height);
  if (j.contains("frame_rate") && j["frame_rate"].is_object()) {
    const auto& r = j["frame_rate"];
    if (r.contains("num") && r["num"].is_number_integer()) m.frame_rate.num = r["num"].get<int>();
    if (r.contains("den") && r["den"].is_number_integer()) m.frame_rate.den = r["den"].get<int>();
  }
  num("frame_count", m.frame_count);
  num("first_frame", m.first_frame);
  num("duration_seconds", m.duration_seconds);
  str("timecode", m.timecode);
  num("bit_depth", m.bit_depth);
  flag("has_alpha", m.has_alpha);
  str("color_primaries", m.color_primaries);
  str("color_transfer", m.color_transfer);
  str("color_matrix", m.color_matrix);
  str("color_range", m.color_range);
  flag("has_audio", m.has_audio);
  str("audio_codec", m.audio_codec);
  num("audio_channels", m.audio_channels);
  num("audio_sample_rate", m.audio_sample_rate);
  return m;
}

std::string without_server_paths(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto opens_path = [&](size_t i) {
    if (text[i] != '/') return false;
    if (i == 0) return true;
    const char before = text[i - 1];
    return before == ' ' || before == '\'' || before == '"' || before == '(' || before == '=' ||
           before == '[' || before == '\t';
  };
  auto ends_path = [](char c) {
    return c == ' ' || c == '\'' || c == '"' || c == ')' || c == ',' || c == ']' || c == '\t' ||
           c == '\n';
  };
  for (size_t i = 0; i < text.size();) {
    if (!opens_path(i)) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && !ends_path(text[end])) ++end;
    std::string_view path = text.substr(i, end - i);
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const size_t slash = path.rfind('/');
    const std::string_view name = path.substr(slash + 1);
    out += name.empty() ? std::string_view("…") : name;  // "/" alone says nothing either
    i = end;
  }
  return out;
}

nlohmann::json status_to_json(const Status& s) {
  return {{"code", std::string(error_code_name(s.code()))},
          {"message", s.message()},
          {"field", s.field()}};
}

}  // namespace fl::service
