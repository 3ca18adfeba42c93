#include "provenance/watermark_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fl::provenance {

namespace {

constexpr std::string_view kHeader = "framelock-watermark-key 1 ";

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::array<uint8_t, 32> WatermarkKey::derive(std::string_view purpose) const {
  const std::string label = "framelock watermark " + std::string(purpose);
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), int(secret.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), out.data(), &len);
  return out;
}

uint32_t WatermarkKey::check(uint64_t payload) const {
  const auto check_key = derive("check");
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = uint8_t(payload >> (56 - 8 * i));
  std::array<uint8_t, 32> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), check_key.data(), int(check_key.size()), bytes, sizeof bytes, mac.data(),
       &len);
  return uint32_t(mac[0]) << 24 | uint32_t(mac[1]) << 16 | uint32_t(mac[2]) << 8 | mac[3];
}

std::string WatermarkKey::fingerprint() const {
  const auto d = derive("fingerprint");
  return hex(d.data(), 8);
}

Result<WatermarkKey> generate_watermark_key() {
  WatermarkKey key;
  if (RAND_bytes(key.secret.data(), int(key.secret.size())) != 1)
    return internal_error("the system's random number generator failed");
  return key;
}

std::string watermark_key_text(const WatermarkKey& key) {
  return std::string(kHeader) + hex(key.secret.data(), key.secret.size()) + "\n";
}

Result<WatermarkKey> parse_watermark_key(std::string_view text, std::string_view source) {
  const std::string where(source);
  if (text.substr(0, kHeader.size()) != kHeader)
    return invalid_argument(where +
                            ": not a framelock watermark key (it starts with "
                            "'framelock-watermark-key 1'; `framelock watermark keygen` makes one)");
  std::string_view digits = text.substr(kHeader.size());
  while (!digits.empty() &&
         (digits.back() == '\n' || digits.back() == '\r' || digits.back() == ' '))
    digits.remove_suffix(1);
  WatermarkKey key;
  if (digits.size() != 2 * key.secret.size())
    return invalid_argument(where + ": the key must be 64 hex digits, got " +
                            std::to_string(digits.size()) + " characters");
  for (size_t i = 0; i < key.secret.size(); ++i) {
    const int hi = hex_value(digits[2 * i]), lo = hex_value(digits[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return invalid_argument(where + ": the key holds a character that is no hex digit");
    key.secret[i] = uint8_t(hi * 16 + lo);
  }
  return key;
}

Result<WatermarkKey> read_watermark_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return errno == ENOENT ? not_found("no watermark key file '" + path + "'")
                           : io_error("cannot read '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return invalid_argument("'" + path + "' is not a regular file");
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    return permission_denied("the watermark key '" + path + "' has mode " + mode +
                             ": others may read it; only its owner may (chmod 600 '" + path + "')");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return permission_denied("cannot read the watermark key '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_watermark_key(text.str(), path);
}

Status write_watermark_key(const WatermarkKey& key, const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno == EEXIST ? conflict("'" + path + "' exists: a watermark key is never overwritten")
                           : io_error("cannot create '" + path + "': " + std::strerror(errno));
  const std::string text = watermark_key_text(key);
  const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(path.c_str());
    return io_error("cannot write '" + path + "': " + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace fl::provenance
