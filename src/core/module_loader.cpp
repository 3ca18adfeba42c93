#include "core/module_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/buffer_pool.h"

namespace fl {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> module_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("FRAMELOCK_MODULE_DIR"); env && *env) dirs.emplace_back(env);
  std::vector<fs::path> homes;
  Dl_info info{};
  // The main program's dli_fname is its argv[0], which has no directory when found on $PATH.
  if (dladdr(reinterpret_cast<void*>(&module_dirs), &info) && info.dli_fname &&
      std::string_view(info.dli_fname).find('/') != std::string_view::npos)
    homes.emplace_back(info.dli_fname);
  homes.emplace_back("/proc/self/exe");
  for (const fs::path& home : homes) {
    std::error_code ec;
    const fs::path real = fs::canonical(home, ec);
    if (ec) continue;
    dirs.push_back(real.parent_path() / "framelock");
    dirs.push_back(real.parent_path().parent_path() / "lib" / "framelock");
  }
  dirs.emplace_back(FL_MODULE_INSTALL_DIR);
  std::vector<fs::path> unique;
  for (fs::path& d : dirs)
    if (std::find(unique.begin(), unique.end(), d) == unique.end()) unique.push_back(std::move(d));
  return unique;
}

}  // namespace

const void* adopt_module_host(const ModuleHost* host, const void* table) {
  if (!host || std::string_view(host->stamp.version) != FL_VERSION_STRING ||
      host->stamp.layout != module_layout<ModuleHost>())
    return nullptr;
  if (host->make_pixel_buffer) core::use_host_pixel_buffers(host->make_pixel_buffer);
  return table;
}

Result<const void*> load_module_table(const std::string& file, const char* entry,
                                      const std::string& what) {
  static const ModuleHost host{.stamp = {.layout = module_layout<ModuleHost>()},
                               .make_pixel_buffer = core::make_pixel_buffer};
  std::string looked;
  for (const fs::path& dir : module_dirs()) {
    const fs::path path = dir / file;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      looked += (looked.empty() ? "" : ", ") + dir.string();
      continue;
    }
    // RTLD_LOCAL: the module's libraries bind to it alone, never to a later module.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      return internal_error("cannot load framelock's module '" + path.string() + "' (" + what +
                            "): " + (why ? why : "unknown error"));
    }
    // Never dlclose()d, even when refused below: unloading after static constructors ran is not
    // always safe, and a refused module is a one-off installation error.
    auto fn = reinterpret_cast<ModuleEntry>(dlsym(handle, entry));
    if (!fn)
      return internal_error("'" + path.string() + "' has no " + entry +
                            "(): not a framelock module");
    const void* table = fn(&host);
    if (!table)
      return internal_error("'" + path.string() + "' refused this process: it is another " +
                            "framelock build's module; rebuild (./scripts/build.sh) or reinstall");
    return table;
  }
  return internal_error(what + " needs framelock's module " + file +
                        ", which is not installed (looked in " + looked +
                        "): rebuild (./scripts/build.sh) or reinstall framelock");
}

}  // namespace fl
