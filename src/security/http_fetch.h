// A small GET for the documents the server reads from other services (an IdP's discovery
// document and key set): TLS verified against the system's CAs or a given bundle, bounded in time
// and size, no redirects.
#pragma once

#include <string>

#include "framelock/status.h"

namespace fl::security {

struct FetchOptions {
  std::string ca_file;  // empty: the system's CA bundle
  int timeout_s = 5;
  size_t max_bytes = 1 << 20;
};

Result<std::string> http_get(const std::string& url, const FetchOptions& options = {});

}  // namespace fl::security
