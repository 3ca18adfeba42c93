// Small requests to other services (an IdP's discovery document and key set, its token
// endpoint): TLS verified against the system's CAs or a given bundle, bounded in time and size,
// no redirects.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "framelock/status.h"

namespace fl::security {

struct FetchOptions {
  std::string ca_file;  // empty: the system's CA bundle
  int timeout_s = 5;
  size_t max_bytes = 1 << 20;
};

Result<std::string> http_get(const std::string& url, const FetchOptions& options = {});

// An application/x-www-form-urlencoded POST (OAuth's token endpoint), with HTTP Basic
// authentication when `user` is not empty. A status other than 200 is an error quoting the
// start of the answer (OAuth's error and error_description).
using FormFields = std::vector<std::pair<std::string, std::string>>;
Result<std::string> http_post_form(const std::string& url, const FormFields& fields,
                                   const std::string& user, const std::string& password,
                                   const FetchOptions& options = {});

}  // namespace fl::security
