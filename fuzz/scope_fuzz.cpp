// fuzz/scope_fuzz.cpp: libFuzzer target for scope files, port lists and address lists
// (scanner/scope.h). A scope that parses is planned and walked for a bounded number of targets;
// every target must lie inside the scope and be allowed by the plan.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/diagnostics.h"
#include "scanner/scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace citywatch;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string err;
  (void)scanner::parse_port_list(text.substr(0, 64), &err);
  auto list = scanner::parse_prefix_list(text, "fuzz.list");
  core::Diagnostics diag;
  auto scope = scanner::parse_scope(text, "fuzz.scope", diag);
  if (!scope) {
    if (diag.count() == 0 && scope.error().message.find("no address") == std::string::npos) {
      std::abort();  // a refused scope always says why
    }
    return 0;
  }
  scanner::PlanOptions options;
  options.max_addresses = 4096;
  auto plan = scanner::TargetPlan::create(*scope, list ? *list : scanner::PrefixSet{}, {}, options);
  if (!plan) return 0;
  scanner::Target t;
  for (int i = 0; i < 2000 && plan->next(t); ++i) {
    bool inside = false;
    for (const auto& e : scope->entries) inside = inside || e.prefix.contains(t.ip);
    if (!inside || !plan->allows(t.ip)) std::abort();
  }
  return 0;
}
