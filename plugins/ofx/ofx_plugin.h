// What the OFX plugin's two halves share: the host's suites, the plugins found in the library,
// and the descriptions (ofx_describe.cpp) the actions (ofx_plugin.cpp) hand the host.
#pragma once

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "ofx_abi.h"

namespace fl::ofx {

// How the host's values encode light: the `transfer` choice, its options in this order.
inline constexpr std::array<const char*, 6> kTransfers = {"linear",  "srgb",    "rec709",
                                                          "gamma22", "gamma24", "gamma28"};
inline constexpr const char* kTransferParam = "transfer";

// The host's suites, fetched in setHost (the property, image effect and parameter suites are
// required; messages are optional).
struct Suites {
  const OfxPropertySuiteV1* props = nullptr;
  const OfxImageEffectSuiteV1* effects = nullptr;
  const OfxParameterSuiteV1* params = nullptr;
  const OfxMessageSuiteV1* messages = nullptr;
};
extern Suites host;

struct OpPlugin {
  std::string op, id, label;
  nlohmann::json schema;  // framelock_op_schema()
  OfxPlugin plugin{};
};

// kOfxActionDescribe: labels, grouping, contexts, depths, threading.
OfxStatus describe(const OpPlugin& plugin, OfxImageEffectHandle effect);
// kOfxImageEffectActionDescribeInContext: the clips, and a parameter per schema parameter.
OfxStatus describe_in_context(const OpPlugin& plugin, OfxImageEffectHandle effect,
                              OfxPropertySetHandle in_args);

}  // namespace fl::ofx
