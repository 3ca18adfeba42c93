#include "core/log.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace fl::log {
namespace {

// Marks a message whose payload is already a JSON object of fields (from event()).
constexpr char kFieldsMark = '\x1e';

std::string iso_time(spdlog::log_clock::time_point tp) {
  auto t = spdlog::log_clock::to_time_t(tp);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms.count()));
  return buf;
}

// One JSON object per line; spdlog's pattern language cannot escape a message.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    nlohmann::json j;
    if (!payload.empty() && payload[0] == kFieldsMark) {
      j = nlohmann::json::parse(payload.substr(1), nullptr, false);
      if (!j.is_object()) j = {{"msg", std::string(payload.substr(1))}};
    } else {
      j["msg"] = std::string(payload);
    }
    j["ts"] = iso_time(msg.time);
    auto level = spdlog::level::to_string_view(msg.level);
    j["level"] = std::string(level.data(), level.size());
    std::string line = json_text(j) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

Format g_format = Format::kText;

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return invalid_argument("--log-format must be text or json, got '" + std::string(name) + "'");
}

void init(Format format, const std::string& path) {
  g_format = format;
  spdlog::sink_ptr sink;
  if (path.empty())
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  auto logger = std::make_shared<spdlog::logger>("framelock", std::move(sink));
  if (format == Format::kJson)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

Field num(std::string_view key, double v) {
  char buf[32];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return {key, buf, true};
}

Field str(std::string_view key, std::string v) { return {key, std::move(v), false}; }

void event(Level level, std::string_view name, std::initializer_list<Field> fields) {
  if (g_format == Format::kJson) {
    nlohmann::json j;
    j["event"] = std::string(name);
    for (const auto& f : fields)
      j[std::string(f.key)] =
          f.number ? nlohmann::json::parse(f.value, nullptr, false) : nlohmann::json(f.value);
    spdlog::log(to_spdlog(level), "{}{}", kFieldsMark, json_text(j));
    return;
  }
  std::string line(name);
  for (const auto& f : fields) {
    line += ' ';
    line.append(f.key);
    line += '=';
    // Quoted when it would otherwise be ambiguous; the value may be the client's.
    const bool quote =
        !f.number && (f.value.empty() || f.value.find_first_of(" \"=") != std::string::npos);
    std::string v = f.value;
    for (char& c : v)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // no forged log lines
    line += quote ? json_text(nlohmann::json(v)) : v;
  }
  spdlog::log(to_spdlog(level), "{}", line);
}

}  // namespace fl::log
