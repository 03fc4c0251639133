// app/risk_pipeline.h: the fingerprint and assess stages of the pipeline, as the import (and
// later capture and scan) commands run them per chunk: fingerprint() before a chunk is stored,
// so device and service rows get vendor, model and type; assess() after, turning each
// observation's verdicts into findings (with their lifecycle) and re-scoring the devices it
// touched. Loading validates every rule and list file: a broken one is a kConfig error (exit
// 78) naming file:line. One per command run; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/observation.h"
#include "core/result.h"
#include "core/time.h"
#include "db/store.h"
#include "enrich/fingerprinter.h"
#include "risk/assessor.h"
#include "risk/credential_list.h"
#include "risk/eol_list.h"

namespace citywatch::app {

struct AssessCounts {
  std::size_t verdicts = 0;
  std::size_t fingerprinted = 0;
  std::size_t opened = 0;  // new findings
  std::size_t refreshed = 0;
  std::size_t reopened = 0;
  std::size_t fixed = 0;
  std::size_t devices_scored = 0;
  AssessCounts& operator+=(const AssessCounts& o);
};

struct RiskData {
  enrich::Fingerprinter fingerprinter;
  risk::CredentialList credentials;
  risk::EolList eol;
};

// Loads and validates everything under data_dir(config).
core::Result<RiskData> load_risk_data(const Config& config);

class RiskPipeline {
 public:
  // `store` and `clock` (the time findings change status) must outlive the pipeline.
  static core::Result<std::unique_ptr<RiskPipeline>> create(const Config& config, db::Store& store,
                                                            const core::Clock& clock);
  ~RiskPipeline();

  void fingerprint(std::vector<core::Observation>& chunk, AssessCounts& counts) const;
  // In its own transaction, after the chunk was stored.
  core::Result<void> assess(const std::vector<core::Observation>& chunk, AssessCounts& counts);
  // Called after assess() committed, once for each finding it opened or reopened (the daemon
  // raises alerts for the critical ones).
  void on_new_finding(std::function<void(const core::Finding&)> listener);
  // Re-scores the devices (after exemptions or a sweep).
  core::Result<std::size_t> rescore(const std::vector<core::IpAddress>& devices);

 private:
  struct Impl;
  explicit RiskPipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Re-scores devices from their stored findings without loading any rule data.
core::Result<void> rescore_devices(db::Store& store, const std::vector<core::IpAddress>& devices,
                                   core::UnixSeconds now);

}  // namespace citywatch::app
