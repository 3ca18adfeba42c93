#include "provenance/c2pa/file_bytes.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/output_path.h"

namespace fl::c2pa {

uint64_t read_be(const void* at, int width) {
  const auto* p = static_cast<const uint8_t*>(at);
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = v << 8 | p[i];
  return v;
}

void write_be(void* at, uint64_t value, int width) {
  auto* p = static_cast<uint8_t*>(at);
  for (int i = width - 1; i >= 0; --i, value >>= 8) p[i] = uint8_t(value & 0xff);
}

void append_be(std::string& out, uint64_t value, int width) {
  const size_t at = out.size();
  out.resize(at + size_t(width));
  write_be(out.data() + at, value, width);
}

struct Sha256Stream::Ctx {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

Sha256Stream::Sha256Stream() : ctx_(std::make_unique<Ctx>()) {
  EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(const void* data, size_t size) {
  EVP_DigestUpdate(ctx_->md.get(), data, size);
}

std::string Sha256Stream::final() {
  std::string out(32, '\0');
  EVP_DigestFinal_ex(ctx_->md.get(), reinterpret_cast<unsigned char*>(out.data()), nullptr);
  return out;
}

std::string sha256(std::string_view bytes) {
  Sha256Stream s;
  s.update(bytes.data(), bytes.size());
  return s.final();
}

Result<std::string> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read '{}'", path), path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return io_error(fmt::format("cannot read '{}'", path));
  return s.str();
}

Result<std::string> sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read '{}'", path), path);
  Sha256Stream hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    hash.update(buffer.data(), size_t(in.gcount()));
  }
  if (in.bad()) return io_error(fmt::format("cannot read '{}'", path));
  return hash.final();
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return io_error(fmt::format("cannot write '{}'", tmp));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) ::chmod(tmp.c_str(), st.st_mode & 07777);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return io_error(fmt::format("cannot move the signed file into '{}'", path));
  }
  return ok_status();
}

}  // namespace fl::c2pa
