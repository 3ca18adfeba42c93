#include "core/hash.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <stdexcept>

namespace fl {

std::string ContentKey::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Hasher::Hasher() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}
Hasher::~Hasher() {
  if (impl_ && impl_->ctx) EVP_MD_CTX_free(impl_->ctx);
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::add_raw(const void* data, size_t size) {
  EVP_DigestUpdate(impl_->ctx, data, size);
  return *this;
}

Hasher& Hasher::add(std::string_view bytes) {
  uint64_t n = bytes.size();
  add_raw(&n, sizeof n);
  return add_raw(bytes.data(), bytes.size());
}

ContentKey Hasher::finish() {
  ContentKey key;
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, key.bytes.data(), &len);
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  return key;
}

ContentKey hash_bytes(std::string_view bytes) { return Hasher().add(bytes).finish(); }

ContentKey hash_file_identity(const std::string& path) {
  Hasher h;
  h.add(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    h.add(int64_t(st.st_size)).add(int64_t(st.st_mtim.tv_sec)).add(int64_t(st.st_mtim.tv_nsec));
  }
  return h.finish();
}

}  // namespace fl
