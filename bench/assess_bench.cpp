// bench/assess_bench.cpp: fingerprint + assess throughput on generated banners, printed beside
// the import rate of the same kind of banners (Shodan JSON parse + SQLite ingest) measured in the
// same run. Target: assessment is never the import's bottleneck (>= 200 k banners/s).
//   build/bench/assess_bench [banners=1000000] [import_banners=200000]
// Run from the repository root (it reads data/).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "db/store.h"
#include "enrich/fingerprinter.h"
#include "risk/assessor.h"
#include "risk/credential_list.h"
#include "risk/eol_list.h"
#include "risk/vuln_index.h"
#include "scanner/shodan_parser.h"

using namespace citywatch;

namespace {

struct Profile {
  const char* module;
  int port;
  const char* product;
  const char* version;
  const char* cpe;
  const char* data;
};

// Shapes of what a city's scan holds: cameras, DVRs, routers, brokers, telnet, ICS, noise.
const Profile kProfiles[] = {
    {"http", 80, "", "", "", "HTTP/1.1 200 OK\\r\\nServer: App-webs/\\r\\n\\r\\n"},
    {"rtsp-tcp", 554, "Dahua IP Camera", "2.800.0000000.29.R", "",
     "RTSP/1.0 401 Unauthorized\\r\\nWWW-Authenticate: Digest realm=\\\"Login to "
     "4L0A3B1PAZ\\\"\\r\\n"},
    {"http", 80, "", "", "", "HTTP/1.0 200 OK\\r\\nServer: uc-httpd 1.0.0\\r\\n\\r\\n"},
    {"telnet", 23, "", "", "",
     "\\r\\nBusyBox v1.19.4 (2017-03-09) built-in shell\\r\\n(none) login: "},
    {"ftp", 21, "", "", "", "220 MikroTik FTP server (MikroTik 6.42) ready\\r\\n"},
    {"mqtt", 1883, "Mosquitto", "1.6.9", "", "MQTT Connection Code: 0\\n\\nTopics:\\n  home/x\\n"},
    {"https", 443, "TP-Link Archer AX21", "1.1.2", "",
     "HTTP/1.1 200 OK\\r\\nServer: lighttpd/1.4.45\\r\\n\\r\\n"},
    {"modbus", 502, "Modbus", "", "",
     "Unit ID: 1\\n-- Device Identification: Schneider Electric BMX P34 2020 v2.6\\n"},
    {"ssh", 22, "", "", "", "SSH-2.0-OpenSSH_7.4\\r\\n"},
    {"http", 8080, "", "", "",
     "HTTP/1.1 404 Not Found\\r\\nServer: nginx\\r\\n\\r\\n<title>404</title>"},
    {"http", 80, "", "", "",
     "HTTP/1.1 200 OK\\r\\nServer: Apache/2.4.41 (Ubuntu)\\r\\n\\r\\n<title>Welcome</title>"},
    {"snmp", 161, "", "", "", "Linux localhost 3.18.20 #1 SMP armv7l"},
};

std::string banner_json(std::mt19937& rng, std::size_t i) {
  const Profile& p = kProfiles[rng() % (sizeof kProfiles / sizeof kProfiles[0])];
  char ip[32];
  std::snprintf(ip, sizeof ip, "10.%u.%u.%u", static_cast<unsigned>((i >> 16) & 255),
                static_cast<unsigned>((i >> 8) & 255), static_cast<unsigned>(i & 255));
  std::string j = "{\"ip_str\":\"";
  j += ip;
  j += "\",\"port\":" + std::to_string(p.port) + ",\"transport\":\"" +
       (p.port == 161 ? "udp" : "tcp") + "\",\"timestamp\":\"2026-11-1" +
       std::to_string(6 + i % 3) + "T10:00:00\"";
  j += ",\"_shodan\":{\"module\":\"" + std::string(p.module) + "\"}";
  if (*p.product) j += ",\"product\":\"" + std::string(p.product) + "\"";
  if (*p.version) j += ",\"version\":\"" + std::string(p.version) + "\"";
  j += ",\"data\":\"" + std::string(p.data) + "\"}";
  return j;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::size_t n_import = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  auto rules = enrich::Fingerprinter::load_dir("data/fingerprints");
  auto creds = risk::CredentialList::load("data/credentials/default-credentials.csv");
  auto eol = risk::EolList::load("data/vulns/end-of-life.csv");
  if (!rules || !creds || !eol) {
    std::fprintf(stderr, "run from the repository root (needs data/)\n");
    return 78;
  }
  risk::MemoryVulnIndex vulns;
  core::CveRecord cve{"CVE-2018-14847", "", 9.1, "", "", "", "2021-12-01", {}};
  core::CpeMatch m;
  m.cve = cve.id;
  m.cpe = {'o', "mikrotik", "routeros", "*", "*"};
  m.end_including = "6.42";
  cve.matches.push_back(m);
  vulns.add(cve);

  // Generate and parse (the parse is part of import, not of assessment).
  std::mt19937 rng(518);
  scanner::ShodanParser parser;
  core::Diagnostics diag;
  std::vector<core::Observation> obs;
  obs.reserve(n);
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    parser.parse(
        banner_json(rng, i), "gen", [&](core::Observation&& o) { obs.push_back(std::move(o)); },
        diag);
  }
  double parse_s = seconds_since(t0);

  risk::Assessor assessor(&*creds, &*eol, &vulns);
  std::vector<risk::Verdict> verdicts;
  std::size_t fingerprinted = 0, findings = 0;
  auto t1 = std::chrono::steady_clock::now();
  for (auto& o : obs) {
    o.fingerprint = rules->identify(o);
    fingerprinted += !o.fingerprint.empty();
    verdicts.clear();
    assessor.assess(o, verdicts);
    findings += verdicts.size();
  }
  double assess_s = seconds_since(t1);

  // Import of the first n_import banners into a fresh SQLite database, as `citywatch import`
  // writes them (5000 per transaction).
  auto dir = std::filesystem::temp_directory_path() / "citywatch-assess-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = db::Store::open((dir / "bench.db").string(), true);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 74;
  }
  n_import = std::min(n_import, obs.size());
  auto t2 = std::chrono::steady_clock::now();
  std::vector<core::Observation> chunk;
  for (std::size_t i = 0; i < n_import; ++i) {
    chunk.push_back(obs[i]);
    if (chunk.size() == 5000 || i + 1 == n_import) {
      if (!store->write_chunk(chunk, 1)) return 74;
      chunk.clear();
    }
  }
  double import_s = seconds_since(t2);
  std::filesystem::remove_all(dir);

  double assess_rate = static_cast<double>(obs.size()) / assess_s;
  double parse_rate = static_cast<double>(obs.size()) / parse_s;
  double store_rate = static_cast<double>(n_import) / import_s;
  double import_rate = 1.0 / (1.0 / parse_rate + 1.0 / store_rate);
  std::printf("banners                  %zu (%zu rules, %zu fingerprinted, %zu verdicts)\n",
              obs.size(), rules->rules().size(), fingerprinted, findings);
  std::printf("fingerprint + assess     %10.0f banners/s\n", assess_rate);
  std::printf("import: JSON parse       %10.0f banners/s\n", parse_rate);
  std::printf("import: SQLite ingest    %10.0f banners/s (%zu banners)\n", store_rate, n_import);
  std::printf("import end to end        %10.0f banners/s\n", import_rate);
  std::printf("assessment / import      %10.1fx (>1: assessment is not the bottleneck)\n",
              assess_rate / import_rate);
  std::printf("target >= 200000/s       %s\n", assess_rate >= 200000 ? "met" : "NOT met");
  return 0;
}
