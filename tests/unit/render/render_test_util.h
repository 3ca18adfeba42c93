// What the renderer's tests share: a graph compiled with the built-in operators against the files
// themselves, and a renderer over an analysis store directory (what a restarted process has).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"

namespace fl::test {

inline std::shared_ptr<const graph::Plan> compile_builtin(const nlohmann::json& g,
                                                          bool fuse = true) {
  auto parsed = graph::parse_graph(g.dump());
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  if (!parsed.ok()) return nullptr;
  graph::CompileOptions o;
  o.probe = [](const std::string& p) { return io::probe(p); };
  o.fuse = fuse;
  auto compiled = graph::compile(*parsed, ops::builtin_registry(), o);
  EXPECT_TRUE(compiled.ok()) << compiled.status().message();
  return compiled.ok() ? *compiled : nullptr;
}

inline std::unique_ptr<render::Renderer> renderer_on_store(const std::string& store_dir) {
  render::AnalysisStoreOptions ao;
  ao.dir = store_dir;
  render::RendererOptions ro;
  ro.analyses = std::make_shared<render::AnalysisStore>(ao);
  return std::make_unique<render::Renderer>(ro);
}

}  // namespace fl::test
