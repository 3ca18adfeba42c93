// Wall-clock time as stored in the database and shown to users (unix seconds, sub-second).
#pragma once

#include <chrono>

namespace fl {

inline double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace fl
