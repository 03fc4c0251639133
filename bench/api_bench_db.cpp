// Builds the database for bench/api_bench.sh: N devices in 198.18.0.0/15 (RFC 2544's range for
// benchmarks) with M observations spread over 30 days, several sources, ports and device
// types, written through the real ingest path (app/ingest.h: fingerprinted, located with the
// configuration's prefix map, stored, assessed), so the database has findings and districts.
//   api_bench_db CONFIG DB [devices=100000] [observations=1000000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/ingest.h"
#include "app/logging.h"
#include "db/store.h"

using namespace citywatch;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: api_bench_db CONFIG DB [devices] [observations]\n");
    return 64;
  }
  app::setup_logging(app::LogFormat::kText, app::LogLevel::kWarn, false);
  auto config = app::load_config(argv[1]);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().to_string().c_str());
    return 78;
  }
  const std::string path = argv[2];
  config->database_path = path;
  const long devices = argc > 3 ? std::atol(argv[3]) : 100000;
  const long observations = argc > 4 ? std::atol(argv[4]) : 1000000;
  auto store = db::Store::open(path, true);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 74;
  }
  core::SystemClock clock;
  auto ingest = app::Ingest::open(*config, *store, clock);
  if (!ingest) {
    std::fprintf(stderr, "%s\n", ingest.error().to_string().c_str());
    return 78;
  }
  struct Kind {
    std::uint16_t port;
    const char* protocol;
    const char* product;
    const char* device_type;
  };
  const Kind kinds[] = {{80, "http", "Hikvision IP camera httpd", "webcam"},
                        {554, "rtsp", "RTSP server", "webcam"},
                        {23, "telnet", "BusyBox telnetd", "router"},
                        {1883, "mqtt", "Mosquitto", "smart plug"},
                        {502, "modbus", "Modbus TCP", "PLC"},
                        {47808, "bacnet", "BACnet", "building controller"},
                        {21, "ftp", "vsftpd", "NAS"},
                        {8080, "http", "GoAhead-Webs", "DVR"}};
  const core::Source sources[] = {core::Source::kShodan, core::Source::kShadowserver,
                                  core::Source::kNmap};
  const core::UnixSeconds end = 1795000000;  // 2026-11-18
  auto import = store->begin_import(core::Source::kShodan, "api_bench_db", "", end);
  if (!import) return 74;
  auto started = std::chrono::steady_clock::now();
  app::ObservationWriter writer(**ingest, *import, 20000);
  for (long i = 0; i < observations; ++i) {
    long dev = i % devices;
    long round = i / devices;
    const Kind& k = kinds[(dev + round / 3) % 8];
    core::Observation o;
    o.source = sources[round % 3];
    o.ip = core::IpAddress::v4(0xC6120000u + static_cast<std::uint32_t>(dev));  // 198.18.0.0
    o.port = k.port;
    o.transport = k.port == 47808 ? core::Transport::kUdp : core::Transport::kTcp;
    o.observed_at = end - 30 * 86400 + (i * 2593) % (30 * 86400);
    o.protocol = k.protocol;
    o.product = k.product;
    o.device_type = k.device_type;
    o.org = dev % 2 ? "Demo Fibre Haaglanden" : "Demo Cable BV";
    o.asn = dev % 2 ? 64498 : 64497;
    o.excerpt = std::string(k.product) + " banner " + std::to_string(i);
    writer.add(std::move(o));
  }
  writer.flush();
  if (writer.error()) {
    std::fprintf(stderr, "%s\n", writer.error()->to_string().c_str());
    return 74;
  }
  const long written = static_cast<long>(writer.imported());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  (void)store->finish_import(
      *import, db::ImportStatus::kDone,
      {static_cast<std::size_t>(observations), static_cast<std::size_t>(written), 0, 0, ""}, end);
  std::printf("built %s: %ld devices, %ld observations, %ld findings in %.1f s (%.0f/s)\n",
              path.c_str(), static_cast<long>(*store->count("devices")), written,
              static_cast<long>(*store->count("findings")), secs,
              static_cast<double>(written) / secs);
  return 0;
}
