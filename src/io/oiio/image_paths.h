// File-name rules of the OIIO layer: still extensions, sequence patterns, temp names.
// Internal to src/io/oiio; no OIIO types, so the rules are testable without decoding anything.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "framelock/status.h"

namespace fl::io::image_paths {

// Lower-cased extension with its dot (".exr"), or empty.
std::string extension_of(const std::string& path);
bool is_still_extension(const std::string& ext);
// OIIO's format name for one of our extensions ("openexr", "tiff", ...); empty if not ours.
std::string format_for_extension(const std::string& ext);

// `dir/shot.%04d.exr` or `dir/shot.####.exr`: the frame number token lives in the file name
// only, so directories that contain '%' or '#' do not turn a path into a pattern.
struct SequencePattern {
  std::string directory;  // "" means the current directory
  std::string prefix;     // file-name text before the token
  std::string suffix;     // file-name text after the token (includes the extension)
  int padding = 0;        // minimum digits; 0 for a bare `%d`

  // The file name and full path of frame `number` (zero-padded to `padding`).
  std::string file_name(int64_t number) const;
  std::string path(int64_t number) const;
  // The frame number if `file_name` is exactly what file_name(number) would produce, so that
  // `shot.0001.exr` and `shot.00001.exr` are never both frame 1 of `shot.%04d.exr`.
  bool match(const std::string& file_name, int64_t* number) const;
};

// The number a written sequence's first file gets: the source's first frame when it has one
// (> 0), else 1, which is what editorial and farm tools expect.
inline int64_t first_written_number(int64_t source_first_frame) {
  return source_first_frame > 0 ? source_first_frame : 1;
}

// Whether `path` contains a frame-number token in its file name. Malformed tokens (two tokens,
// `%0d` with junk) make it an invalid_argument rather than a still that cannot be found.
bool looks_like_pattern(const std::string& path);
Result<SequencePattern> parse_pattern(const std::string& path);

// Frame numbers and paths of the files on disk matching `pattern`, sorted by number.
// not_found when the directory is missing or nothing matches.
Result<std::vector<std::pair<int64_t, std::string>>> scan_sequence(const std::string& pattern_text,
                                                                   const SequencePattern& pattern);

}  // namespace fl::io::image_paths
