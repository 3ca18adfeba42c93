#include "security/http_fetch.h"

#include <httplib.h>

namespace fl::security {

Result<std::string> http_get(const std::string& url, const FetchOptions& options) {
  const bool tls = url.rfind("https://", 0) == 0;
  if (!tls && url.rfind("http://", 0) != 0) return invalid_argument("not an http(s) URL: " + url);
  const size_t host_start = url.find("://") + 3;
  const size_t path_start = url.find('/', host_start);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  if (tls) {
    client.enable_server_certificate_verification(true);
    client.set_ca_cert_path(options.ca_file.empty() ? "/etc/ssl/certs/ca-certificates.crt"
                                                    : options.ca_file.c_str());
  }
  client.set_connection_timeout(options.timeout_s, 0);
  client.set_read_timeout(options.timeout_s, 0);
  client.set_follow_location(false);
  std::string body;
  bool too_big = false;
  auto res = client.Get(path, [&](const char* data, size_t n) {
    if (body.size() + n > options.max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big)
    return io_error(url + ": the answer is larger than " + std::to_string(options.max_bytes) +
                    " bytes");
  if (!res) return io_error(url + ": " + httplib::to_string(res.error()));
  if (res->status != 200) return io_error(url + ": HTTP " + std::to_string(res->status));
  return body;
}

}  // namespace fl::security
