#include "app/capture_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/data_dir.h"
#include "app/ingest.h"
#include "app/progress.h"
#include "core/json_writer.h"
#include "db/store.h"
#include "scanner/capture_engine.h"
#include "scanner/credential_matcher.h"
#include "scanner/pcap_handle.h"

namespace citywatch::app {
namespace {

constexpr std::uint64_t kProgressEvery = 1 << 16;
constexpr int kLiveTimeoutMs = 200;

// The signal handler may only touch these: a flag and the open handle's break flag.
std::atomic<bool> g_stop{false};
std::atomic<scanner::PcapHandle*> g_handle{nullptr};

void on_signal(int) {
  g_stop.store(true);
  if (scanner::PcapHandle* h = g_handle.load()) h->break_loop();
}

// Installs the stop handlers for the command's lifetime and restores the old ones after.
class StopSignals {
 public:
  StopSignals() {
    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    g_handle.store(nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Outcome {
  std::string label;
  std::vector<core::Error> errors;  // files missing or damaged, the interface failing
  bool stopped_by_signal = false;
  scanner::CaptureStats live;
  double seconds = 0;
};

std::string source_label(const CaptureRequest& r) {
  if (!r.interface.empty()) return "interface " + r.interface;
  std::string out;
  for (const auto& f : r.files) out += (out.empty() ? "" : ", ") + f;
  return out;
}

void print_text(const Outcome& o, const scanner::CaptureEngine& engine,
                const ObservationWriter& writer) {
  const auto& c = engine.counters();
  const auto& d = engine.darknet();
  std::printf("capture %s\n", o.label.c_str());
  std::printf("  packets       %s (%s bytes)\n", with_thousands(c.packets).c_str(),
              with_thousands(c.bytes).c_str());
  std::printf("  flows         %s TCP flows followed", with_thousands(c.flows).c_str());
  if (c.flows_evicted > 0)
    std::printf(", %s closed early (table full)", with_thousands(c.flows_evicted).c_str());
  std::printf("\n");
  std::printf("  observations  %s new, %s already stored, %s repeats not stored\n",
              with_thousands(writer.imported()).c_str(),
              with_thousands(writer.duplicates()).c_str(),
              with_thousands(c.repeats_suppressed).c_str());
  const AssessCounts& r = writer.risk();
  std::printf(
      "  where         %s observations of devices in the city, %s possibly, %s outside, %s "
      "not locatable\n",
      with_thousands(writer.located(core::InCity::kYes)).c_str(),
      with_thousands(writer.located(core::InCity::kPossibly)).c_str(),
      with_thousands(writer.located(core::InCity::kNo)).c_str(),
      with_thousands(writer.located(core::InCity::kUnknown)).c_str());
  std::printf("  findings      %s new, %s seen again, %s reopened, %s fixed; %s devices scored\n",
              with_thousands(r.opened).c_str(), with_thousands(r.refreshed).c_str(),
              with_thousands(r.reopened).c_str(), with_thousands(r.fixed).c_str(),
              with_thousands(r.devices_scored).c_str());
  std::printf("  credentials   %s seen in clear text, %s matched a default entry\n",
              with_thousands(c.credentials_seen).c_str(),
              with_thousands(c.credentials_matched).c_str());
  std::printf("  infected      %s sources (Mirai-style SYNs: %s)\n",
              with_thousands(d.mirai_sources).c_str(), with_thousands(d.mirai_syns).c_str());
  if (engine.darknet().scanner_syns > 0) {
    std::printf("  scanners      %s other sources (%s SYNs)\n",
                with_thousands(d.scanner_sources).c_str(), with_thousands(d.scanner_syns).c_str());
  }
  std::printf("  bad packets   %s\n", with_thousands(c.bad_packets).c_str());
  for (std::size_t k = 0; k < engine.issues().size(); ++k) {
    const auto& issue = engine.issues()[k];
    if (issue.count == 0) continue;
    std::string first;
    for (const auto& w : issue.first) first += (first.empty() ? "" : "; ") + w;
    std::printf("    %-28s %s (first: %s)\n",
                std::string(scanner::to_string(static_cast<scanner::PacketIssue>(k))).c_str(),
                with_thousands(issue.count).c_str(), first.c_str());
  }
  if (o.live.available) {
    std::printf("  kernel        %s received, %s dropped\n",
                with_thousands(o.live.received).c_str(), with_thousands(o.live.dropped).c_str());
  }
  for (const auto& e : o.errors) std::printf("  stopped early: %s\n", e.to_string().c_str());
  if (o.stopped_by_signal) std::printf("  stopped by signal; everything seen was written\n");
  double rate = o.seconds > 0 ? static_cast<double>(c.packets) / o.seconds : 0;
  std::printf("  took %.2f s (%s packets/s)\n", o.seconds,
              with_thousands(static_cast<std::uint64_t>(rate)).c_str());
}

void print_json(const Outcome& o, const scanner::CaptureEngine& engine,
                const ObservationWriter& writer) {
  const auto& c = engine.counters();
  const auto& d = engine.darknet();
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  core::JsonWriter w;
  w.begin_object()
      .field("source", "capture")
      .field("input", o.label)
      .field("packets", n(c.packets))
      .field("bytes", n(c.bytes))
      .field("flows", n(c.flows))
      .field("flows_evicted", n(c.flows_evicted))
      .field("observations", n(c.observations))
      .field("imported", n(writer.imported()))
      .field("duplicates", n(writer.duplicates()))
      .field("repeats_suppressed", n(c.repeats_suppressed))
      .field("credentials_seen", n(c.credentials_seen))
      .field("credentials_matched", n(c.credentials_matched))
      .field("infected_sources", n(d.mirai_sources))
      .field("mirai_syns", n(d.mirai_syns))
      .field("scanner_sources", n(d.scanner_sources))
      .field("scanner_syns", n(d.scanner_syns))
      .field("bad_packets", n(c.bad_packets));
  w.key("bad_packets_by_reason").begin_object();
  for (std::size_t k = 0; k < engine.issues().size(); ++k) {
    const auto& issue = engine.issues()[k];
    if (issue.count == 0) continue;
    w.key(scanner::to_string(static_cast<scanner::PacketIssue>(k))).begin_object();
    w.field("count", n(issue.count)).key("first").begin_array();
    for (const auto& where : issue.first) w.value(where);
    w.end_array().end_object();
  }
  w.end_object();
  w.key("errors").begin_array();
  for (const auto& e : o.errors) w.value(e.to_string());
  w.end_array();
  w.field("stopped_by_signal", o.stopped_by_signal).field("seconds", o.seconds).end_object();
  std::printf("%s\n", w.str().c_str());
}

// Reads one handle to its end (or a stop). Returns the error that ended it early, if any.
std::optional<core::Error> pump(scanner::PcapHandle& handle, scanner::CaptureEngine& engine,
                                ObservationWriter& writer, ProgressLine& progress,
                                const Config& config) {
  scanner::RawPacket packet;
  core::Error error;
  std::uint64_t number = 0;
  auto last_flush = std::chrono::steady_clock::now();
  g_handle.store(&handle);
  std::optional<core::Error> result;
  // Live handles are non-blocking: between packets we wait on the descriptor ourselves, so a
  // quiet link still gets its periodic flush and a signal ends the wait (poll returns EINTR).
  auto read = [&](bool draining) {
    auto drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (draining ? std::chrono::steady_clock::now() < drain_until : !g_stop.load()) {
      auto next = handle.next(packet, error);
      if (next == scanner::PcapHandle::Next::kPacket) {
        engine.on_packet(packet, ++number);
        if (number % kProgressEvery == 0) progress.update(engine.counters().packets, 0, 0);
        continue;
      }
      if (next == scanner::PcapHandle::Next::kError) {
        error.where = handle.source() + " packet " + std::to_string(number + 1);
        result = error;
        return;
      }
      // The stop's own break flag may still be pending when draining starts: reading it
      // clears it. The drain is bounded in time all the same.
      if (next == scanner::PcapHandle::Next::kStopped && draining) continue;
      if (next != scanner::PcapHandle::Next::kTimeout) return;  // end of file, or a stop
      bool more = handle.wait_readable(kLiveTimeoutMs);
      if (draining && !more) return;
      if (!more) engine.expire(core::SystemClock().now());
      auto now = std::chrono::steady_clock::now();
      if (now - last_flush >= std::chrono::seconds(config.capture_flush_seconds)) {
        last_flush = now;
        engine.report_infections();
        writer.flush();
        progress.update(engine.counters().packets, 0, 0);
      }
    }
  };
  if (handle.is_live()) {
    if (auto nb = handle.set_nonblocking(true); !nb) return nb.error();
  }
  read(false);
  if (handle.is_live() && !result) {
    // What the kernel had taken in before the stop is still to be read: it hands packets over
    // in blocks, at the latest one read timeout later. Read until a wait passes quietly.
    g_handle.store(nullptr);
    read(true);
  }
  g_handle.store(nullptr);
  return result;
}

}  // namespace

core::Result<int> run_capture(const Config& config, const CaptureRequest& request,
                              OutputFormat format) {
  auto log = spdlog::get("app");
  if (request.files.empty() == request.interface.empty()) {
    return core::fail(core::ErrorCode::kUsage, "give either --pcap FILE... or --interface IF");
  }
  std::optional<scanner::CredentialMatcher> credentials;
  // The shipped list unless the config or the command line names another.
  std::string credentials_path = !request.credentials_file.empty() ? request.credentials_file
                                 : !config.credentials_file.empty()
                                     ? config.credentials_file
                                     : data_dir(config) + "/credentials/default-credentials.csv";
  {
    core::Diagnostics diag;
    auto loaded = scanner::CredentialMatcher::load(credentials_path, diag);
    if (!loaded) return core::fail(loaded.error());
    credentials = std::move(*loaded);
    for (const auto& d : diag.samples()) {
      log->warn("credential_list_bad_row where={} reason={}", d.where, d.reason);
    }
  }
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  // A capture writes observations of many addresses spread over the key space; a larger page
  // cache keeps the B-tree's inner pages in memory instead of re-reading them per chunk.
  (void)store->connection().exec("PRAGMA cache_size = -32768");
  core::SystemClock clock;
  auto ingest = Ingest::open(config, *store, clock);
  if (!ingest) return core::fail(ingest.error());
  Outcome outcome;
  outcome.label = source_label(request);
  auto import_id = store->begin_import(core::Source::kCapture, outcome.label,
                                       request.darknet ? "darknet" : "capture", clock.now());
  if (!import_id) return core::fail(import_id.error());

  ObservationWriter writer(**ingest, *import_id, config.import_chunk_size);
  scanner::CaptureOptions options;
  options.max_flows = config.capture_max_flows;
  options.stream_bytes = static_cast<std::uint32_t>(config.capture_stream_bytes);
  options.flow_idle_seconds = static_cast<core::UnixSeconds>(config.capture_flow_idle_seconds);
  options.darknet = request.darknet;
  options.client_fingerprints = request.client_fingerprints;
  options.credentials = credentials ? &*credentials : nullptr;
  scanner::CaptureEngine engine(options, [&](core::Observation&& o) { writer.add(std::move(o)); });
  StopSignals signals;
  ProgressLine progress("capture " + outcome.label, "packets");
  auto started = std::chrono::steady_clock::now();
  int exit_code = 0;

  if (!request.interface.empty()) {
    auto handle =
        scanner::PcapHandle::open_live(request.interface, request.snaplen, kLiveTimeoutMs);
    if (!handle) {
      (void)store->finish_import(*import_id, db::ImportStatus::kFailed, {}, clock.now());
      return core::fail(handle.error());
    }
    if (!request.bpf.empty()) {
      if (auto ok = handle->set_filter(request.bpf); !ok) {
        (void)store->finish_import(*import_id, db::ImportStatus::kFailed, {}, clock.now());
        return core::fail(ok.error());
      }
    }
    engine.begin_source(request.interface, handle->link_type());
    // Tests and scripts wait for this line before sending traffic or a signal.
    std::fprintf(stderr, "capture: listening on %s (%s); stop with Ctrl-C or SIGTERM\n",
                 request.interface.c_str(), handle->link_type_name().c_str());
    std::fflush(stderr);
    log->info("capture_started interface={} link={} bpf={}", request.interface,
              handle->link_type_name(), request.bpf);
    if (auto error = pump(*handle, engine, writer, progress, config)) {
      outcome.errors.push_back(*error);
    }
    outcome.live = handle->stats();
  } else {
    for (const auto& path : request.files) {
      if (g_stop.load()) break;
      auto handle = scanner::PcapHandle::open_file(path);
      if (!handle) {
        outcome.errors.push_back(handle.error());
        exit_code = std::max(exit_code, core::exit_code(handle.error().code));
        continue;
      }
      if (!request.bpf.empty()) {
        if (auto ok = handle->set_filter(request.bpf); !ok) {
          (void)store->finish_import(*import_id, db::ImportStatus::kFailed, {}, clock.now());
          return core::fail(ok.error());
        }
      }
      if (!scanner::is_supported_link_type(handle->link_type())) {
        log->warn("capture_unknown_link_type file={} link={}", path, handle->link_type_name());
      }
      engine.begin_source(path, handle->link_type());
      if (auto error = pump(*handle, engine, writer, progress, config)) {
        outcome.errors.push_back(*error);
        exit_code = std::max(exit_code, core::exit_code(core::ErrorCode::kBadInput));
      }
    }
  }
  outcome.stopped_by_signal = g_stop.load();
  engine.flush();
  writer.flush();
  progress.finish();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  db::ImportTotals totals;
  totals.records_read = engine.counters().packets;
  totals.imported = writer.imported();
  totals.duplicates = writer.duplicates();
  totals.rejected = engine.counters().bad_packets;
  if (const auto& store_error = writer.error()) {
    (void)store->finish_import(*import_id, db::ImportStatus::kFailed, totals, clock.now());
    return core::fail(*store_error);
  }
  auto status = outcome.stopped_by_signal && request.interface.empty()
                    ? db::ImportStatus::kInterrupted
                : outcome.errors.empty() ? db::ImportStatus::kDone
                                         : db::ImportStatus::kFailed;
  CITYWATCH_TRY(store->finish_import(*import_id, status, totals, clock.now()));
  const auto& c = engine.counters();
  log->info(
      "capture_done input={} packets={} flows={} observations={} imported={} bad_packets={} "
      "credentials_seen={} credentials_matched={} infected_sources={}",
      outcome.label, c.packets, c.flows, c.observations, writer.imported(), c.bad_packets,
      c.credentials_seen, c.credentials_matched, engine.darknet().mirai_sources);
  for (const auto& e : outcome.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (c.bad_packets > 0)
    exit_code = std::max(exit_code, core::exit_code(core::ErrorCode::kBadInput));
  if (format == OutputFormat::kJson) {
    print_json(outcome, engine, writer);
  } else {
    print_text(outcome, engine, writer);
  }
  std::fflush(stdout);
  return exit_code;
}

void register_capture_command(Commands& commands) {
  auto request = std::make_shared<CaptureRequest>();
  CLI::App* cmd = commands.add(
      "capture",
      "passive fingerprints and infections from pcap/pcapng files or a live interface (SPAN, "
      "TAP or darknet sensor): banners, first requests, certificates, clear-text default "
      "credentials, Mirai-style scanning",
      "citywatch capture --pcap monday.pcapng tuesday.pcap\n  "
      "sudo citywatch capture --interface eth1 --bpf 'not port 22' --darknet",
      [request](const Context& context) {
        return run_capture(context.config, *request, context.format);
      });
  auto* pcap = cmd->add_option("--pcap", request->files, "capture files (pcap or pcapng)");
  auto* live = cmd->add_option("--interface", request->interface,
                               "capture live on this interface (needs CAP_NET_RAW)");
  pcap->excludes(live);
  cmd->add_option("--bpf", request->bpf, "BPF filter, as tcpdump takes it");
  cmd->add_flag("--darknet", request->darknet,
                "the input is a darknet/telescope: count every SYN sender as a scanner");
  cmd->add_flag("--client-fingerprints", request->client_fingerprints,
                "also store what clients say about themselves (User-Agent, SSH client version)");
  cmd->add_option("--credentials", request->credentials_file,
                  "default-credential CSV (overrides [capture] credentials_file)");
  cmd->add_option("--snaplen", request->snaplen, "live: bytes kept per packet")
      ->check(CLI::Range(64, 262144));
}

}  // namespace citywatch::app
