// notify/planner.h: decides what goes into each partner's next batch. Pure: storage hands in the
// active findings with what each partner was already told, the planner routes them (longest
// prefix, then AS number), applies suppression and opt-outs, adds the re-check outcomes of
// acknowledged findings, and returns one batch per partner with something due plus the findings
// no partner serves. The caller stores the result in one transaction. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/batch.h"
#include "core/partner.h"
#include "core/time.h"
#include "notify/router.h"

namespace citywatch::notify {

struct PlanInput {
  std::vector<core::Partner> partners;
  // Active findings (open, reopened, notified) and every finding a partner acknowledged.
  std::vector<core::NotifiableFinding> findings;
  std::vector<core::PartnerFindingState> states;
  std::unordered_set<std::int64_t> held;    // findings in a batch that still holds them
  std::vector<std::string> in_city{"yes"};  // which device locations are notified
  core::UnixSeconds now = 0;
};

struct PlanCounts {
  std::size_t considered = 0;
  std::size_t outside_city = 0;
  std::size_t exempt = 0;
  std::size_t unrouted = 0;
  std::size_t held = 0;          // already in a batch on its way
  std::size_t suppressed = 0;    // sent within the partner's interval, severity not raised
  std::size_t opted_out = 0;     // the partner paused or opted out of the kind
  std::size_t acknowledged = 0;  // waiting for the re-check
  std::size_t items = 0;
  std::size_t rechecks = 0;
};

struct Plan {
  std::vector<core::Batch> batches;  // ids empty: storage names them
  std::vector<core::NotifiableFinding> unrouted;
  std::vector<std::string> conflicts;  // from the router
  PlanCounts counts;
};

Plan plan_batches(const PlanInput& input);

}  // namespace citywatch::notify
