// framelock_oiio.so's entry point, the one symbol it exports (exports.map).
#include "io/oiio/oiio_module.h"

extern "C" __attribute__((visibility("default"))) const void* framelock_oiio_module(
    const fl::ModuleHost* host) {
  namespace m = fl::io::oiio_module;
  static const m::Table table{.probe = m::probe,
                              .open_source = m::open_source,
                              .open_sink = m::open_sink,
                              .encode_still8 = m::encode_still8,
                              .encode_still16 = m::encode_still16};
  return fl::adopt_module_host(host, &table);
}
