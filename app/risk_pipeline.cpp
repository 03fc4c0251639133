#include "app/risk_pipeline.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "app/data_dir.h"
#include "app/logging.h"
#include "db/finding_store.h"
#include "db/vuln_store.h"
#include "risk/scoring.h"

namespace citywatch::app {
namespace {

// The vulnerability DB behind the risk engine's lookups, cached per product and CVE: a chunk
// asks about the same few products thousands of times.
class DbVulnLookup final : public risk::VulnLookup {
 public:
  explicit DbVulnLookup(db::Connection& conn) : store_(conn) {}
  const std::vector<core::CpeMatch>& matches(const std::string& vendor,
                                             const std::string& product) override {
    std::string key = vendor + ":" + product;
    auto it = matches_.find(key);
    if (it != matches_.end()) return it->second;
    auto rows = store_.matches(vendor, product);
    if (!rows) {
      logger("app")->warn("vulndb_lookup_failed product={} error={}", key,
                          rows.error().to_string());
      return matches_[key];
    }
    return matches_.emplace(key, std::move(*rows)).first->second;
  }
  risk::CveFacts facts(const std::string& cve) override {
    auto it = facts_.find(cve);
    if (it != facts_.end()) return it->second;
    risk::CveFacts f;
    if (auto row = store_.cve(cve); row && *row) {
      f.cvss = (*row)->cvss;
      f.kev = (*row)->kev;
      f.known = true;
    }
    return facts_.emplace(cve, f).first->second;
  }

 private:
  db::VulnStore store_;
  std::map<std::string, std::vector<core::CpeMatch>> matches_;
  std::map<std::string, risk::CveFacts> facts_;
};

}  // namespace

AssessCounts& AssessCounts::operator+=(const AssessCounts& o) {
  verdicts += o.verdicts;
  fingerprinted += o.fingerprinted;
  opened += o.opened;
  refreshed += o.refreshed;
  reopened += o.reopened;
  fixed += o.fixed;
  devices_scored += o.devices_scored;
  return *this;
}

core::Result<RiskData> load_risk_data(const Config& config) {
  std::string dir = data_dir(config);
  auto fp = enrich::Fingerprinter::load_dir(dir + "/fingerprints");
  if (!fp) return core::fail(fp.error());
  auto creds = risk::CredentialList::load(dir + "/credentials/default-credentials.csv");
  if (!creds) return core::fail(creds.error());
  auto eol = risk::EolList::load(dir + "/vulns/end-of-life.csv");
  if (!eol) return core::fail(eol.error());
  return RiskData{std::move(*fp), std::move(*creds), std::move(*eol)};
}

struct RiskPipeline::Impl {
  RiskData data;
  db::Store* store;
  DbVulnLookup lookup;
  risk::Assessor assessor;
  std::vector<risk::Verdict> verdicts;
  const core::Clock* clock;
  std::function<void(const core::Finding&)> on_new;
  std::vector<core::Finding> new_findings;  // of the chunk being assessed, for on_new

  Impl(RiskData d, db::Store& s, const core::Clock& c)
      : data(std::move(d)),
        store(&s),
        lookup(s.connection()),
        assessor(&data.credentials, &data.eol, &lookup),
        clock(&c) {}
};

RiskPipeline::RiskPipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RiskPipeline::~RiskPipeline() = default;

core::Result<std::unique_ptr<RiskPipeline>> RiskPipeline::create(const Config& config,
                                                                 db::Store& store,
                                                                 const core::Clock& clock) {
  auto data = load_risk_data(config);
  if (!data) return core::fail(data.error());
  auto impl = std::make_unique<Impl>(std::move(*data), store, clock);
  return std::unique_ptr<RiskPipeline>(new RiskPipeline(std::move(impl)));
}

void RiskPipeline::fingerprint(std::vector<core::Observation>& chunk, AssessCounts& counts) const {
  for (auto& o : chunk) {
    o.fingerprint = impl_->data.fingerprinter.identify(o);
    if (!o.fingerprint.empty()) ++counts.fingerprinted;
  }
}

core::Result<void> rescore_devices(db::Store& store, const std::vector<core::IpAddress>& devices,
                                   core::UnixSeconds now) {
  db::FindingStore findings(store.connection());
  for (const auto& ip : devices) {
    auto active = findings.active_for_device(ip, now);
    if (!active) return core::fail(active.error());
    std::vector<risk::ScoredFinding> scored;
    for (auto& f : *active) scored.push_back({std::move(f.finding), f.exempt});
    core::RiskScore score = risk::score_device(scored);
    CITYWATCH_TRY(findings.set_device_risk(ip, score.score,
                                           scored.empty() ? "" : risk::explanation_json(score)));
  }
  return core::ok();
}

core::Result<void> RiskPipeline::assess(const std::vector<core::Observation>& chunk,
                                        AssessCounts& counts) {
  Impl& m = *impl_;
  core::UnixSeconds now = m.clock->now();
  m.new_findings.clear();
  auto tx = db::Transaction::begin(m.store->connection());
  if (!tx) return core::fail(tx.error());
  db::FindingStore findings(m.store->connection());
  std::set<core::IpAddress> touched;
  for (const auto& o : chunk) {
    m.verdicts.clear();
    m.assessor.assess(o, m.verdicts);
    for (const auto& v : m.verdicts) {
      ++counts.verdicts;
      const core::Finding& f = v.finding;
      if (v.present) {
        auto outcome = findings.record_present(f, now);
        if (!outcome) return core::fail(outcome.error());
        switch (*outcome) {
          case db::FindingStore::Outcome::kOpened:
            ++counts.opened;
            break;
          case db::FindingStore::Outcome::kRefreshed:
            ++counts.refreshed;
            break;
          case db::FindingStore::Outcome::kReopened:
            ++counts.reopened;
            break;
        }
        if (m.on_new && *outcome != db::FindingStore::Outcome::kRefreshed) {
          m.new_findings.push_back(f);
        }
        touched.insert(f.ip);
        if (f.kind == core::FindingKind::kNoAuth) {
          CITYWATCH_TRY(findings.set_service_auth(f.ip, f.port, f.transport, "none"));
        } else if (f.kind == core::FindingKind::kDefaultPassword &&
                   f.confidence == core::Confidence::kConfirmed) {
          CITYWATCH_TRY(
              findings.set_service_auth(f.ip, f.port, f.transport, "default-credentials"));
        }
      } else {
        auto fixed = findings.record_secure(f, now);
        if (!fixed) return core::fail(fixed.error());
        if (*fixed) {
          ++counts.fixed;
          touched.insert(f.ip);
        }
        if (f.kind == core::FindingKind::kNoAuth) {
          CITYWATCH_TRY(findings.set_service_auth(f.ip, f.port, f.transport, "required"));
        }
      }
    }
  }
  std::vector<core::IpAddress> devices(touched.begin(), touched.end());
  CITYWATCH_TRY(rescore_devices(*m.store, devices, now));
  counts.devices_scored += devices.size();
  CITYWATCH_TRY(tx->commit());
  for (const auto& f : m.new_findings) m.on_new(f);
  return core::ok();
}

void RiskPipeline::on_new_finding(std::function<void(const core::Finding&)> listener) {
  impl_->on_new = std::move(listener);
}

core::Result<std::size_t> RiskPipeline::rescore(const std::vector<core::IpAddress>& devices) {
  CITYWATCH_TRY(rescore_devices(*impl_->store, devices, impl_->clock->now()));
  return devices.size();
}

}  // namespace citywatch::app
