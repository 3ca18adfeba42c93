// framelock's own modules: shared objects (framelock_oiio.so, framelock_ffmpeg.so) that hold the
// media layers whose libraries are heavy to load (FFmpeg's codecs, OpenImageIO's ~110
// dependencies) and are loaded the first time they are needed, so that a start-up that needs
// neither (`--version`, `serve`, a plugin host scanning its plugins) pays for neither.
//
// Each module exports one C function returning a table of C++ function pointers. Both sides come
// from one build (one compiler, one libstdc++, one set of headers); the caller checks the table's
// version and type layout and refuses a module from another build instead of trusting it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "framelock/status.h"
#include "framelock/version.h"

namespace fl {

// The first member of every module's table: what the caller checks before using the rest.
struct ModuleStamp {
  const char* version = FL_VERSION_STRING;
  size_t layout = 0;
};

// What a module takes from the process that loads it, so that process-wide state is one and
// not one per module: the module's own copy of the pixel buffer pool defers to the host's.
struct ModuleHost {
  ModuleStamp stamp;
  std::shared_ptr<float[]> (*make_pixel_buffer)(size_t count) = nullptr;
};

// A module's entry: checks the host's stamp (nullptr when it is another build's), adopts what it
// gives, and returns the module's table.
using ModuleEntry = const void* (*)(const ModuleHost* host);
const void* adopt_module_host(const ModuleHost* host, const void* table);

// A fingerprint of the types that cross a module's boundary (their sizes, in order).
template <class... Crossing>
constexpr size_t module_layout() {
  size_t h = 0;
  ((h = h * 1000003u + sizeof(Crossing)), ...);
  return h;
}

// Finds `file` (e.g. "framelock_oiio.so") and returns what its `entry` function returns. Looks,
// first match wins, in $FRAMELOCK_MODULE_DIR; beside the binary holding this code (the
// executable, or libframelock.so for an embedder) in `framelock/` and `../lib/framelock/` (the
// build tree's and an installed prefix's layouts); the configured install directory. A missing
// module is an installation error that names every directory looked in and what `what` needs it
// for. Modules stay loaded for the life of the process: the objects they make outlive any call.
Result<const void*> load_module_table(const std::string& file, const char* entry,
                                      const std::string& what);

// load_module_table, checked: Table starts with a ModuleStamp and has `static constexpr size_t
// kLayout`, the module_layout<> of what crosses.
template <class Table>
Result<const Table*> load_module(const std::string& file, const char* entry,
                                 const std::string& what) {
  FL_ASSIGN_OR_RETURN(const void* raw, load_module_table(file, entry, what));
  const auto* table = static_cast<const Table*>(raw);
  if (std::string_view(table->stamp.version) != FL_VERSION_STRING ||
      table->stamp.layout != Table::kLayout)
    return internal_error("the installed " + file + " is not the one of this framelock build (" +
                          FL_VERSION_STRING + "): rebuild (./scripts/build.sh) or reinstall");
  return table;
}

}  // namespace fl
