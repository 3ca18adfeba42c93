#include "service/json_views.h"

namespace fl::service {

nlohmann::json media_to_json(const MediaInfo& m) {
  return {{"path", m.path},
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

nlohmann::json status_to_json(const Status& s) {
  return {{"code", std::string(error_code_name(s.code()))},
          {"message", s.message()},
          {"field", s.field()}};
}

}  // namespace fl::service
