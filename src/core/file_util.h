// File helpers shared by the LUT and CDL readers/writers (LUTs, CDLs, timelines, reports).
#pragma once

#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl {

// Whole file as bytes. not_found / permission_denied / io_error name the path; files larger
// than max_bytes are refused (a .cube of the largest legal size is ~450 MB of text).
Result<std::string> read_text_file(const std::string& path, size_t max_bytes = size_t(1) << 30);

// Writes to a unique temp file in the destination's directory, fsyncs, then renames over
// `path`, so readers never see a half-written LUT and a failed write leaves the old file.
Status write_file_atomic(const std::string& path, std::string_view contents);

// Shortest text that parses back to exactly the same value (std::to_chars round-trip
// guarantee), so written LUTs and CDLs reload bit-identical.
void append_number(std::string& out, float v);
void append_number(std::string& out, double v);

// 1-based line number of a byte offset, for "file:line: message" errors.
int line_of_offset(std::string_view text, size_t offset);

}  // namespace fl
