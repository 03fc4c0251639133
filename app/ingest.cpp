#include "app/ingest.h"

#include <spdlog/spdlog.h>

#include "app/alerts.h"
#include "app/logging.h"

namespace citywatch::app {

core::Result<std::unique_ptr<Ingest>> Ingest::open(const Config& config, db::Store& store,
                                                   const core::Clock& clock) {
  std::unique_ptr<Ingest> ingest(new Ingest(store, clock));
  auto risk = RiskPipeline::create(config, store, clock);
  if (!risk) return core::fail(risk.error());
  ingest->risk_ = std::move(*risk);
  auto geo = enrich::Geolocator::open(config.geo, clock);
  if (!geo) return core::fail(geo.error());
  ingest->geo_.emplace(std::move(*geo));
  if (!ingest->geo_->has_city_database()) {
    logger("app")->info(
        "geo_no_database: devices are placed only by the prefix map, the municipal ranges and the "
        "feeds' own geo columns; set [geo] city_mmdb to place the rest");
  }
  enrich::Geolocator* g = &*ingest->geo_;
  ingest->locate_ = [g](const core::Observation& o, core::Location& out) {
    g->locate(o.ip, &o.geo, out);
  };
  return ingest;
}

void Ingest::alert_critical_findings(Alerter* alerter) {
  if (!alerter) return;
  const core::Clock& clock = clock_;
  risk_->on_new_finding([alerter, &clock](const core::Finding& f) {
    if (auto critical = critical_of(f)) alerter->critical_finding(*critical, clock.now());
  });
}

ObservationWriter::ObservationWriter(Ingest& ingest, std::int64_t import_id, std::size_t chunk_size)
    : ingest_(ingest), import_id_(import_id), chunk_size_(chunk_size == 0 ? 1 : chunk_size) {
  chunk_.reserve(chunk_size_);
}

void ObservationWriter::add(core::Observation&& o) {
  chunk_.push_back(std::move(o));
  if (chunk_.size() >= chunk_size_) flush();
}

void ObservationWriter::flush() {
  if (chunk_.empty() || error_) return;
  ingest_.risk().fingerprint(chunk_, risk_);
  auto counts =
      ingest_.store().write_chunk(chunk_, import_id_, ingest_.locator(), ingest_.clock().now());
  if (!counts) {
    error_ = counts.error();
    return;
  }
  for (std::size_t i = 0; i < located_.size(); ++i) located_[i] += counts->by_in_city[i];
  feed_disagreements_ += counts->feed_disagreements;
  if (auto assessed = ingest_.risk().assess(chunk_, risk_); !assessed) {
    error_ = assessed.error();
    return;
  }
  imported_ += counts->inserted;
  duplicates_ += counts->duplicates;
  if (on_stored_) on_stored_(chunk_);
  chunk_.clear();
}

}  // namespace citywatch::app
