#include "security/audit_finisher.h"

#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>

#include "core/text_encoding.h"

namespace fl::security {

Result<std::string> sha256_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return not_found("cannot read " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<unsigned char> buf(size_t(1) << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx, buf.data(), n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  if (failed) return io_error("reading " + path + " failed");
  return hex_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

Status AuditFinisher::finish(const OutputRecord& record) const {
  nlohmann::json event = context_;
  event["type"] = "output";
  event["kind"] = std::string(output_kind_name(record.kind));
  event["producer"] = record.producer;
  nlohmann::json output = {{"path", record.path}};
  std::error_code ec;
  if (std::filesystem::is_regular_file(record.path, ec)) {
    FL_ASSIGN_OR_RETURN(output["sha256"], sha256_file(record.path));
    output["bytes"] = int64_t(std::filesystem::file_size(record.path, ec));
  }
  if (record.kind == OutputKind::kRender)
    output["frames"] = {record.first_frame, record.last_frame};
  event["output"] = std::move(output);
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& in : record.inputs)
    inputs.push_back({{"path", in.path}, {"xxh128", in.id.xxh128}, {"bytes", in.id.size}});
  event["inputs"] = std::move(inputs);
  event["outcome"] = "written";
  return log_->append(std::move(event)).status();
}

}  // namespace fl::security
