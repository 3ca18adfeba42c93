// Whole-file reads and the temp-file-and-rename write the containers share.
#pragma once

#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl::c2pa {

Result<std::string> read_file_bytes(const std::string& path);
// SHA-256 of a file's bytes (raw, 32 bytes), read in blocks.
Result<std::string> sha256_of_file(const std::string& path);
// Writes `bytes` beside `path` and renames over it, keeping the old file's permissions.
Status write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace fl::c2pa
