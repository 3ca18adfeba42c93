// libFuzzer target for the policy file reader: any text is refused with a message naming the file
// or accepted as a policy whose every grant is a real role.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "security/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::security;
  auto p = Policy::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  if (!p.ok()) {
    if (p.status().message().rfind("fuzz.json: ", 0) != 0) std::abort();
    return 0;
  }
  if (p->roles_claim.empty()) std::abort();
  // Every grant read back is one that parses to itself, and names a valid project.
  for (const auto& [group, grants] : p->group_grants)
    for (const auto& g : grants) {
      if (g.project && !valid_project_id(*g.project)) std::abort();
      auto again = parse_grant(g.to_string());
      if (!again.ok() || again->project != g.project || again->role != g.role) std::abort();
    }
  return 0;
}
