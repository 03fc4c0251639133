// The daemon's notify job: the same steps as `citywatch batches build` then `batches send`, on
// the [notify] schedule. Pull partners' batches wait for the partner (the pull API); push
// batches get one attempt per run, and a failed one waits for its backoff time, so a run is
// short however many batches are retrying.
#include <random>

#include "app/jobs.h"
#include "app/notify_service.h"
#include "core/json_writer.h"

namespace citywatch::app {

core::Result<JobResult> run_notify(JobContext& ctx) {
  const core::UnixSeconds now = ctx.clock.now();
  auto built = build_batches(ctx.store, ctx.config, now);
  if (!built) return core::fail(built.error());
  std::size_t items = 0;
  for (const auto& b : built->batches) items += b.items.size();
  SendReport sent;
  if (!ctx.stopping()) {
    std::mt19937_64 rng(std::random_device{}());
    auto report = send_due(ctx.store, ctx.config, now, rng);
    if (!report) return core::fail(report.error());
    sent = *report;
  }
  core::JsonWriter w;
  w.begin_object()
      .field("batches", static_cast<std::int64_t>(built->batches.size()))
      .field("items", static_cast<std::int64_t>(items))
      .field("unrouted", static_cast<std::int64_t>(built->counts.unrouted))
      .field("attempted", sent.attempted)
      .field("delivered", sent.delivered)
      .field("retrying", sent.retrying)
      .field("dead", sent.dead)
      .end_object();
  return JobResult{w.take(), ctx.stopping()};
}

}  // namespace citywatch::app
