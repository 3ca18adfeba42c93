// What the containers share: whole-file reads, the temp-file-and-rename write, SHA-256, and the
// big-endian fields every box and segment format uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl::c2pa {

// Big-endian unsigned fields of `width` bytes (1 to 8).
uint64_t read_be(const void* at, int width);
void write_be(void* at, uint64_t value, int width);
void append_be(std::string& out, uint64_t value, int width);

// SHA-256 (raw, 32 bytes) of bytes in memory, and of a stream of them.
std::string sha256(std::string_view bytes);
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  void update(const void* data, size_t size);
  std::string final();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

Result<std::string> read_file_bytes(const std::string& path);
// SHA-256 of a file's bytes (raw, 32 bytes), read in blocks.
Result<std::string> sha256_of_file(const std::string& path);
// Writes `bytes` beside `path` and renames over it, keeping the old file's permissions.
Status write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace fl::c2pa
