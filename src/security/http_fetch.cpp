#include "security/http_fetch.h"

#include <httplib.h>

namespace fl::security {

namespace {

struct Target {
  std::string origin, path;
};

Result<Target> split_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    return invalid_argument("not an http(s) URL: " + url);
  const size_t host_start = url.find("://") + 3;
  const size_t path_start = url.find('/', host_start);
  return Target{url.substr(0, path_start),
                path_start == std::string::npos ? "/" : url.substr(path_start)};
}

void configure(httplib::Client& client, const std::string& url, const FetchOptions& options) {
  if (url.rfind("https://", 0) == 0) {
    client.enable_server_certificate_verification(true);
    client.set_ca_cert_path(options.ca_file.empty() ? "/etc/ssl/certs/ca-certificates.crt"
                                                    : options.ca_file.c_str());
  }
  client.set_connection_timeout(options.timeout_s, 0);
  client.set_read_timeout(options.timeout_s, 0);
  client.set_follow_location(false);
}

}  // namespace

Result<std::string> http_post_form(const std::string& url, const FormFields& fields,
                                   const std::string& user, const std::string& password,
                                   const FetchOptions& options) {
  FL_ASSIGN_OR_RETURN(Target t, split_url(url));
  httplib::Client client(t.origin);
  configure(client, url, options);
  if (!user.empty()) client.set_basic_auth(user, password);
  httplib::Params params;
  for (const auto& [k, v] : fields) params.emplace(k, v);
  auto res = client.Post(t.path, params);
  if (!res) return io_error(url + ": " + httplib::to_string(res.error()));
  if (res->body.size() > options.max_bytes)
    return io_error(url + ": the answer is larger than " + std::to_string(options.max_bytes) +
                    " bytes");
  if (res->status != 200)
    return io_error(url + ": HTTP " + std::to_string(res->status) + ": " +
                    res->body.substr(0, 200));
  return res->body;
}

Result<std::string> http_get(const std::string& url, const FetchOptions& options) {
  FL_ASSIGN_OR_RETURN(Target t, split_url(url));
  httplib::Client client(t.origin);
  configure(client, url, options);
  const std::string& path = t.path;
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
