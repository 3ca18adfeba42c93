// Logging through spdlog, to stderr, as text or as one JSON object per line (--log-format).
// Structured events (a request, a job's state) carry named fields in both forms.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "framelock/status.h"

namespace fl::log {

enum class Format { kText, kJson };

Result<Format> parse_format(std::string_view name);  // "text" or "json"

// Installs the process's default logger, on stderr or appending to `path`. Without it spdlog's
// default (text on stdout) holds.
void init(Format format, const std::string& path = {});

// A field's value as it should be written: text, or a number when `number` holds.
struct Field {
  std::string_view key;
  std::string value;
  bool number = false;
};
Field num(std::string_view key, double v);
Field str(std::string_view key, std::string v);

enum class Level { kDebug, kInfo, kWarn, kError };

// `event` names what happened ("request", "job"); text: `event k=v ...`, JSON: one object.
void event(Level level, std::string_view event, std::initializer_list<Field> fields);

}  // namespace fl::log
