// framelock_ffmpeg.so's entry point, the one symbol it exports (exports.map).
#include "io/ffmpeg/ffmpeg_io.h"
#include "io/ffmpeg_module.h"

extern "C" __attribute__((visibility("default"))) const void* framelock_ffmpeg_module(
    const fl::ModuleHost* host) {
  namespace m = fl::io::ffmpeg_module;
  static const m::Table table{.probe = fl::io::probe_ffmpeg,
                              .open_source = fl::io::open_ffmpeg_source,
                              .open_sink = fl::io::open_ffmpeg_sink,
                              .join_segments = fl::io::join_ffmpeg_segments,
                              .segment_any_frame = fl::io::ffmpeg_segment_any_frame};
  return fl::adopt_module_host(host, &table);
}
