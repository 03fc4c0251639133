#include "notify/planner.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace citywatch::notify {
namespace {

bool in_list(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Worst first, then by address and port: what an abuse desk works through.
void sort_items(std::vector<core::BatchItem>& items) {
  std::sort(items.begin(), items.end(), [](const core::BatchItem& a, const core::BatchItem& b) {
    return std::make_tuple(a.notice == core::Notice::kRecheck, -static_cast<int>(a.severity), a.ip,
                           a.port, a.finding_id) <
           std::make_tuple(b.notice == core::Notice::kRecheck, -static_cast<int>(b.severity), b.ip,
                           b.port, b.finding_id);
  });
  int n = 0;
  for (auto& item : items) item.item = ++n;
}

}  // namespace

Plan plan_batches(const PlanInput& input) {
  Plan plan;
  Router router = Router::build(input.partners);
  plan.conflicts = router.conflicts();
  std::vector<std::vector<core::BatchItem>> per_partner(input.partners.size());
  std::map<std::int64_t, std::size_t> index_of;
  for (std::size_t i = 0; i < input.partners.size(); ++i) index_of[input.partners[i].id] = i;
  PlanCounts& c = plan.counts;
  std::map<std::pair<std::int64_t, std::int64_t>, const core::PartnerFindingState*> sent;
  for (const auto& st : input.states) sent[{st.partner_id, st.finding_id}] = &st;
  std::unordered_map<std::int64_t, const core::NotifiableFinding*> by_id;
  for (const auto& f : input.findings) by_id[f.item.finding_id] = &f;

  for (const core::NotifiableFinding& cand : input.findings) {
    ++c.considered;
    if (!core::is_active(cand.status)) continue;
    if (!in_list(input.in_city, cand.in_city)) {
      ++c.outside_city;
      continue;
    }
    if (cand.exempt) {
      ++c.exempt;
      continue;
    }
    auto route = router.route(cand.item.ip, cand.item.asn);
    if (!route) {
      ++c.unrouted;
      plan.unrouted.push_back(cand);
      continue;
    }
    const core::Partner& partner = input.partners[route->partner];
    if (partner.opted_out(cand.item.kind)) {
      ++c.opted_out;
      continue;
    }
    // Acknowledged findings wait for their re-check; the outcome tells the partner.
    if (cand.status == core::FindingStatus::kNotified) {
      ++c.acknowledged;
      continue;
    }
    if (input.held.contains(cand.item.finding_id)) {
      ++c.held;
      continue;
    }
    core::BatchItem item = cand.item;
    item.status = cand.status;
    auto told = sent.find({partner.id, cand.item.finding_id});
    if (told == sent.end()) {
      item.notice = core::Notice::kNew;
    } else if (item.severity > told->second->last_severity) {
      item.notice = core::Notice::kSeverityRaised;
    } else if (input.now - told->second->last_sent_at >= partner.interval) {
      item.notice = core::Notice::kRepeat;
    } else {
      ++c.suppressed;
      continue;
    }
    per_partner[route->partner].push_back(std::move(item));
    ++c.items;
  }

  // Re-check outcomes go to the partner that acknowledged, whatever the routing says today.
  for (const core::PartnerFindingState& ack : input.states) {
    if (!ack.acknowledged_at) continue;
    auto it = index_of.find(ack.partner_id);
    auto found = by_id.find(ack.finding_id);
    if (it == index_of.end() || found == by_id.end() || found->second->exempt) continue;
    const core::Partner& partner = input.partners[it->second];
    if (partner.paused) continue;
    const core::NotifiableFinding& finding = *found->second;
    core::FindingStatus st = finding.status;
    core::BatchItem item = finding.item;
    item.notice = core::Notice::kRecheck;
    bool due = false;
    if (st == core::FindingStatus::kFixed || st == core::FindingStatus::kVerified ||
        st == core::FindingStatus::kGone) {
      due = ack.outcome_reported != core::to_string(st);
      item.status = st;
    } else if (st == core::FindingStatus::kNotified && input.now >= ack.recheck_due_at &&
               finding.item.last_seen > *ack.acknowledged_at) {
      // Seen again with the problem after the acknowledgement: still there.
      due = true;
      item.status = core::FindingStatus::kOpen;
    }
    if (!due || input.held.contains(item.finding_id)) continue;
    per_partner[it->second].push_back(std::move(item));
    ++c.rechecks;
  }

  for (std::size_t i = 0; i < input.partners.size(); ++i) {
    if (per_partner[i].empty()) continue;
    core::Batch batch;
    batch.partner_id = input.partners[i].id;
    batch.partner_name = input.partners[i].name;
    batch.format = input.partners[i].format;
    batch.created_at = input.now;
    batch.items = std::move(per_partner[i]);
    sort_items(batch.items);
    plan.batches.push_back(std::move(batch));
  }
  return plan;
}

}  // namespace citywatch::notify
