// bench/notify_bench.cpp: batch building and formatting for a city-sized backlog: N findings
// (default 100,000) on devices spread over 20 partners' prefixes, in a real SQLite database.
// Times each step of `batches build` (load, plan, store) and the rendering of every batch in
// CSV, JSON and X-ARF, prints peak memory, and runs a peer in the same run: Python's csv and
// json modules writing the same number of rows with the same columns, for a ratio.
//   build/bench/notify_bench [findings=100000] [partners=20]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "db/finding_store.h"
#include "db/notify_store.h"
#include "db/store.h"
#include "notify/formats.h"
#include "notify/planner.h"

using namespace citywatch;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  int partners = argc > 2 ? std::atoi(argv[2]) : 20;
  auto dir = std::filesystem::temp_directory_path() / "citywatch-notify-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = db::Store::open((dir / "bench.db").string(), true);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 1;
  }
  const core::UnixSeconds t0 = 1795000000;

  // Setup (not timed): partners with four /16s each, devices and findings.
  auto setup = std::chrono::steady_clock::now();
  {
    auto tx = *db::Transaction::begin(store->connection());
    db::NotifyStore ns(store->connection());
    for (int p = 0; p < partners; ++p) {
      core::Partner partner;
      partner.name = "isp" + std::to_string(p);
      partner.source = "cli";
      partner.format = static_cast<core::BatchFormat>(p % 3);
      for (int k = 0; k < 4; ++k) {
        auto base = core::IpAddress::v4((10u << 24) | static_cast<std::uint32_t>(p * 4 + k) << 16);
        partner.prefixes.push_back({core::Prefix(base, 16), 0, {}});
      }
      partner.asns = {static_cast<std::uint32_t>(64500 + p)};
      (void)ns.upsert_partner(partner, t0);
    }
    db::FindingStore fs(store->connection());
    auto dev = *store->connection().prepare(
        "INSERT OR IGNORE INTO devices (ip, first_seen, last_seen, in_city, district_code, asn, "
        "vendor, model) VALUES (?, ?, ?, 'yes', 'WK051828', ?, 'Hikvision', 'DS-2CD2032')");
    static const core::FindingKind kKinds[] = {
        core::FindingKind::kNoAuth, core::FindingKind::kDefaultPassword,
        core::FindingKind::kVulnerable, core::FindingKind::kExposedService,
        core::FindingKind::kInfected};
    for (int i = 0; i < n; ++i) {
      int p = i % partners;
      std::uint32_t host = (10u << 24) |
                           static_cast<std::uint32_t>(p * 4 + (i / partners) % 4) << 16 |
                           static_cast<std::uint32_t>((i / (partners * 4)) & 0xffff);
      core::Finding f;
      f.ip = core::IpAddress::v4(host);
      f.port = static_cast<std::uint16_t>(i % 3 == 0 ? 23 : i % 3 == 1 ? 1883 : 554);
      f.kind = kKinds[i % 5];
      f.code = "check" + std::to_string(i % 7);
      f.severity = static_cast<core::Severity>(1 + i % 4);
      f.sentence = "Device on port " + std::to_string(f.port) + " has a problem worth fixing.";
      f.observed_at = t0 - 86400 + i % 86400;
      f.evidence = {"shodan/" + f.ip.to_string() + "/" + std::to_string(f.port) + "/tcp/" +
                    std::to_string(f.observed_at)};
      if (f.kind == core::FindingKind::kVulnerable) f.cves = {{"CVE-2021-33044", 9.8, true, true}};
      (void)fs.record_present(f, t0);
      db::bind_ip(dev, 1, f.ip);
      dev.bind(2, f.observed_at).bind(3, f.observed_at).bind(4, 64500 + p);
      (void)dev.run();
    }
    (void)tx.commit();
  }
  std::printf("setup: %d findings, %d partners in %.1f s\n", n, partners, seconds_since(setup));

  db::NotifyStore ns(store->connection());
  auto t = std::chrono::steady_clock::now();
  auto tx = *db::Transaction::begin(store->connection());
  notify::PlanInput in;
  in.partners = *ns.partners();
  in.findings = *ns.notifiable_findings(t0);
  in.states = *ns.partner_states();
  in.held = *ns.held_findings();
  in.now = t0;
  double load = seconds_since(t);
  t = std::chrono::steady_clock::now();
  notify::Plan plan = notify::plan_batches(in);
  double planning = seconds_since(t);
  t = std::chrono::steady_clock::now();
  std::size_t items = 0;
  for (auto& b : plan.batches) {
    (void)ns.store_batch(b, core::DeliveryChannel::kWebhook, 14 * 86400);
    items += b.items.size();
  }
  (void)tx.commit();
  double storing = seconds_since(t);
  double build = load + planning + storing;
  std::printf(
      "build: %zu batches, %zu items: load %.2f s, plan %.2f s, store %.2f s = %.2f s "
      "(%.0f findings/s)\n",
      plan.batches.size(), items, load, planning, storing, build, n / build);

  const double items_d = static_cast<double>(items);
  notify::Reporter reporter;
  double per_format[3] = {0, 0, 0};
  std::size_t bytes[3] = {0, 0, 0};
  for (int f = 0; f < 3; ++f) {
    t = std::chrono::steady_clock::now();
    for (const auto& b : plan.batches) {
      bytes[f] += notify::render(b, static_cast<core::BatchFormat>(f), reporter).size();
    }
    per_format[f] = seconds_since(t);
  }
  std::printf(
      "format: csv %.2f s (%.0f MB), json %.2f s (%.0f MB), xarf %.2f s (%.0f MB): %.0f, "
      "%.0f, %.0f items/s\n",
      per_format[0], static_cast<double>(bytes[0]) / 1e6, per_format[1],
      static_cast<double>(bytes[1]) / 1e6, per_format[2], static_cast<double>(bytes[2]) / 1e6,
      items_d / per_format[0], items_d / per_format[1], items_d / per_format[2]);
  std::printf("peak memory: %ld MB\n", peak_rss_mb());

  // Peer: Python's csv and json modules writing the same number of rows and columns.
  std::string script =
      "import csv, io, json, time\n"
      "n = " +
      std::to_string(items) +
      "\n"
      "cols = ['timestamp','ip','port','src_port','transport','protocol','asn','kind','code',"
      "'severity','confidence','vendor','model','version','cves','kev','evidence','district',"
      "'district_name','observed_at','first_seen','last_seen','notice','status','batch_id',"
      "'item','finding_id']\n"
      "rows = [['2026-11-20 10:00:00','10.%d.%d.%d' % (i % 80, (i >> 8) & 255, i & 255), 23, '',"
      " 'tcp', 'telnet', 64500 + i % 20, 'no-auth', 'check%d' % (i % 7), 'high', 'confirmed',"
      " 'Hikvision', 'DS-2CD2032', '5.4.0', 'CVE-2021-33044', 'Y',"
      " 'Device on port 23 has a problem worth fixing.', 'WK051828', '', "
      "'2026-11-20T10:00:00Z', '2026-11-20 10:00:00', '2026-11-20 10:00:00', 'new', 'open',"
      " 'isp1-20261120T100000Z-1', i, i] for i in range(n)]\n"
      "t = time.perf_counter(); out = io.StringIO(); w = csv.writer(out, "
      "quoting=csv.QUOTE_NONNUMERIC)\n"
      "w.writerow(cols); w.writerows(rows); c = time.perf_counter() - t\n"
      "t = time.perf_counter(); j = json.dumps({'items': [dict(zip(cols, r)) for r in rows]}); "
      "d = time.perf_counter() - t\n"
      "print('%f %f' % (c, d))\n";
  std::string path = (dir / "peer.py").string();
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fputs(script.c_str(), f);
    std::fclose(f);
  }
  FILE* p = ::popen(("python3 " + path).c_str(), "r");
  double py_csv = 0, py_json = 0;
  if (p && std::fscanf(p, "%lf %lf", &py_csv, &py_json) == 2) {
    std::printf(
        "peer python3 csv.writer %.2f s, json.dumps %.2f s: citywatch csv %.1fx, json %.1fx "
        "as fast\n",
        py_csv, py_json, py_csv / per_format[0], py_json / per_format[1]);
  } else {
    std::printf("peer python3 did not run\n");
  }
  if (p) ::pclose(p);
  std::filesystem::remove_all(dir);
  return 0;
}
