#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "service/json_views.h"

namespace fl::cli {

void add_probe_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand("probe", "Describe a clip, image or image sequence");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "Media file or sequence pattern (shot.%04d.exr)")->required();
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] {
    auto info = io::probe(*file);
    if (!info.ok()) {
      *result = info.status();
      return;
    }
    const MediaInfo& m = *info;
    if (*json) {
      std::printf("%s\n", json_text(service::media_to_json(m), 2).c_str());
      return;
    }
    std::printf("%s\n", m.path.c_str());
    std::printf("  container   %s\n  codec       %s (%s, %d-bit%s)\n", m.container.c_str(),
                m.codec.c_str(), m.pixel_format.c_str(), m.bit_depth, m.has_alpha ? ", alpha" : "");
    std::printf("  size        %dx%d\n  frames      %lld at %d/%d fps (%.3f s)\n", m.width,
                m.height, (long long)m.frame_count, m.frame_rate.num, m.frame_rate.den,
                m.duration_seconds);
    if (!m.timecode.empty()) std::printf("  timecode    %s\n", m.timecode.c_str());
    std::printf("  colour      primaries %s, transfer %s, matrix %s, range %s\n",
                m.color_primaries.c_str(), m.color_transfer.c_str(), m.color_matrix.c_str(),
                m.color_range.c_str());
    if (m.has_audio)
      std::printf("  audio       %s, %d ch, %d Hz\n", m.audio_codec.c_str(), m.audio_channels,
                  m.audio_sample_rate);
    for (const std::string& w : m.warnings) std::printf("  warning     %s\n", w.c_str());
  });
}

}  // namespace fl::cli
