// bench/geo_bench.cpp: located IPs per second through enrich::Geolocator (MMDB lookup, boundary
// and district), against the floor (a bare libmaxminddb lookup loop over the same addresses)
// and python3-maxminddb decoding the same records, all in one run. Also district lookups with
// 44 real wijken and 400 synthetic districts against a single polygon.
//   geo_bench --mmdb DB --incity DB.incity --data DATA_DIR [--python PY] [--count N]
// Not run in CI; bench/run_geo_bench.sh builds the database and runs it.
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/location.h"
#include "core/time.h"
#include "enrich/district_index.h"
#include "enrich/geolocator.h"

namespace {

using Clock = std::chrono::steady_clock;
using citywatch::core::IpAddress;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Args {
  std::string mmdb, incity, data, python = "/usr/bin/python3";
  std::size_t count = 2'000'000;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--mmdb") a.mmdb = v;
    if (k == "--incity") a.incity = v;
    if (k == "--data") a.data = v;
    if (k == "--python") a.python = v;
    if (k == "--count") a.count = std::stoul(v);
  }
  if (a.mmdb.empty() || a.incity.empty() || a.data.empty()) {
    std::fprintf(stderr, "usage: geo_bench --mmdb DB --incity LIST --data DATA_DIR [--count N]\n");
    std::exit(64);
  }
  return a;
}

std::vector<IpAddress> random_ips(std::size_t n, std::mt19937_64& rng) {
  std::vector<IpAddress> out;
  out.reserve(n);
  std::uniform_int_distribution<std::uint32_t> d(0x01000000u, 0xDFFFFFFFu);  // 1.0.0.0-223.x
  while (out.size() < n) out.push_back(IpAddress::v4(d(rng)));
  return out;
}

std::vector<IpAddress> incity_ips(const std::string& list, std::size_t n, std::mt19937_64& rng) {
  std::vector<citywatch::core::Prefix> nets;
  std::ifstream in(list);
  for (std::string line; std::getline(in, line);) {
    if (auto p = citywatch::core::Prefix::parse(line)) nets.push_back(*p);
  }
  if (nets.empty()) {
    std::fprintf(stderr, "no networks in %s\n", list.c_str());
    std::exit(66);
  }
  std::vector<IpAddress> out;
  out.reserve(n);
  std::uniform_int_distribution<std::size_t> pick(0, nets.size() - 1);
  while (out.size() < n) {
    const auto& net = nets[pick(rng)];
    std::uint32_t host = static_cast<std::uint32_t>(rng()) & ((1u << net.host_bits()) - 1);
    out.push_back(IpAddress::v4(net.base().v4_value() | host));
  }
  return out;
}

sockaddr_in to_sockaddr(const IpAddress& ip) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  std::memcpy(&sin.sin_addr, ip.bytes().data() + 12, 4);
  return sin;
}

// The floor: the tree walk alone, nothing decoded.
double floor_rate(const std::string& path, const std::vector<IpAddress>& ips, std::size_t& found) {
  MMDB_s db;
  if (MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db) != MMDB_SUCCESS) std::exit(74);
  found = 0;
  auto start = Clock::now();
  for (const auto& ip : ips) {
    sockaddr_in sin = to_sockaddr(ip);
    int err = 0;
    auto r = MMDB_lookup_sockaddr(&db, reinterpret_cast<const sockaddr*>(&sin), &err);
    found += r.found_entry;
  }
  double s = seconds_since(start);
  MMDB_close(&db);
  return static_cast<double>(ips.size()) / s;
}

struct Located {
  double rate = 0;
  std::size_t by_in_city[4] = {};
  std::size_t with_district = 0;
};

Located locate_rate(citywatch::enrich::Geolocator& geo, const std::vector<IpAddress>& ips) {
  Located out;
  citywatch::core::Location loc;
  auto start = Clock::now();
  for (const auto& ip : ips) {
    geo.locate(ip, nullptr, loc);
    ++out.by_in_city[static_cast<int>(loc.in_city)];
    out.with_district += !loc.district_code.empty();
  }
  out.rate = static_cast<double>(ips.size()) / seconds_since(start);
  return out;
}

// python3-maxminddb (its C extension when present) decoding the same records.
double python_rate(const Args& a, const std::string& ip_file, std::string& mode) {
  std::string script = "/tmp/citywatch-geo-bench-" + std::to_string(::getpid()) + ".py";
  {
    std::ofstream py(script);
    py << "import sys, time, maxminddb\n"
          "r = maxminddb.open_database(sys.argv[1])\n"
          "ips = open(sys.argv[2]).read().split()\n"
          "t = time.perf_counter()\n"
          "n = 0\n"
          "for ip in ips:\n"
          "    if r.get(ip) is not None: n += 1\n"
          "dt = time.perf_counter() - t\n"
          "print(len(ips) / dt, type(r).__module__ + '.' + type(r).__name__, n)\n";
  }
  std::string cmd = a.python + " " + script + " " + a.mmdb + " " + ip_file;
  FILE* p = popen(cmd.c_str(), "r");
  double rate = 0;
  char kind[200] = {};
  long found = 0;
  if (!p || std::fscanf(p, "%lf %199s %ld", &rate, kind, &found) != 3) {
    std::fprintf(stderr, "python peer failed: %s\n", cmd.c_str());
  }
  if (p) pclose(p);
  std::remove(script.c_str());
  mode = kind;
  return rate;
}

double district_ns(const citywatch::enrich::DistrictIndex& index, const std::vector<IpAddress>&,
                   std::mt19937_64& rng, std::size_t n, double lat0, double lon0, double dlat,
                   double dlon) {
  std::uniform_real_distribution<double> la(lat0, lat0 + dlat), lo(lon0, lon0 + dlon);
  std::vector<citywatch::enrich::GeoPoint> pts(n);
  for (auto& p : pts) p = {la(rng), lo(rng)};
  std::size_t hits = 0;
  auto start = Clock::now();
  for (const auto& p : pts) hits += index.find(p) != nullptr;
  double s = seconds_since(start);
  if (hits == 0) std::fprintf(stderr, "(no district hits?)\n");
  return s * 1e9 / static_cast<double>(n);
}

citywatch::enrich::DistrictIndex grid_districts(int side, double lat0, double lon0, double dlat,
                                                double dlon) {
  std::vector<citywatch::enrich::GeoFeature> f;
  for (int r = 0; r < side; ++r) {
    for (int c = 0; c < side; ++c) {
      citywatch::enrich::GeoFeature g;
      g.code = std::to_string(r * side + c);
      double la = lat0 + r * dlat / side, lo = lon0 + c * dlon / side;
      double h = dlat / side, w = dlon / side;
      // 40 vertices per district, like a simplified wijk.
      citywatch::enrich::Ring ring;
      for (int k = 0; k < 10; ++k) ring.push_back({la, lo + w * k / 10});
      for (int k = 0; k < 10; ++k) ring.push_back({la + h * k / 10, lo + w});
      for (int k = 0; k < 10; ++k) ring.push_back({la + h, lo + w - w * k / 10});
      for (int k = 0; k < 10; ++k) ring.push_back({la + h - h * k / 10, lo});
      g.geometry = {{ring}};
      f.push_back(std::move(g));
    }
  }
  return citywatch::enrich::DistrictIndex::build(f);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  std::mt19937_64 rng(518);
  std::vector<IpAddress> random = random_ips(a.count, rng);
  std::vector<IpAddress> incity = incity_ips(a.incity, a.count, rng);
  std::vector<IpAddress> all = random;
  all.insert(all.end(), incity.begin(), incity.end());
  std::printf("geo_bench: %zu random + %zu in-city IPv4 addresses, database %s\n", random.size(),
              incity.size(), a.mmdb.c_str());

  citywatch::enrich::GeoConfig config;
  config.boundary_file = a.data + "/geo/gm0518_s-gravenhage_2023.geojson";
  config.district_file = a.data + "/geo/gm0518_wijken_2023.geojson";
  config.city_mmdb = {a.mmdb};
  citywatch::core::SystemClock clock;
  auto geo = citywatch::enrich::Geolocator::open(config, clock);
  if (!geo) {
    std::fprintf(stderr, "%s\n", geo.error().to_string().c_str());
    return 78;
  }

  // Each set on its own: random addresses walk cold parts of the tree, in-city ones hot parts.
  std::size_t found_random = 0, found_incity = 0;
  double floor_random = floor_rate(a.mmdb, random, found_random);
  double floor_incity = floor_rate(a.mmdb, incity, found_incity);
  // Cold: the first pass fills the per-record cache; warm: the same addresses again.
  Located cold_random = locate_rate(*geo, random);
  Located cold_incity = locate_rate(*geo, incity);
  Located warm_random = locate_rate(*geo, random);
  Located warm_incity = locate_rate(*geo, incity);

  std::string ip_file = "/tmp/citywatch-geo-bench-ips-" + std::to_string(::getpid()) + ".txt";
  auto python = [&](const std::vector<IpAddress>& ips, std::string& mode) {
    {
      std::ofstream out(ip_file);
      for (const auto& ip : ips) out << ip.to_string() << '\n';
    }
    double r = python_rate(a, ip_file, mode);
    std::remove(ip_file.c_str());
    return r;
  };
  std::string mode;
  double py_random = python(random, mode);
  double py_incity = python(incity, mode);

  auto total = [&](double r1, double r2) {
    return static_cast<double>(all.size()) /
           (static_cast<double>(random.size()) / r1 + static_cast<double>(incity.size()) / r2);
  };
  std::printf("                                         random      in-city    all (IPs/s)\n");
  auto row = [](const char* what, double r1, double r2, double both) {
    std::printf("  %-36s %10.0f %12.0f %12.0f\n", what, r1, r2, both);
  };
  row("libmaxminddb lookup loop (floor)", floor_random, floor_incity,
      total(floor_random, floor_incity));
  row("citywatch locate, cold cache", cold_random.rate, cold_incity.rate,
      total(cold_random.rate, cold_incity.rate));
  row("citywatch locate, warm cache", warm_random.rate, warm_incity.rate,
      total(warm_random.rate, warm_incity.rate));
  row(("python3-maxminddb get() [" + mode + "]").c_str(), py_random, py_incity,
      total(py_random, py_incity));
  std::printf("  found in the database: %zu of %zu random, %zu of %zu in-city\n", found_random,
              random.size(), found_incity, incity.size());
  std::printf("  in-city set placed: yes %zu, possibly %zu, no %zu; %zu with a district\n",
              cold_incity.by_in_city[1], cold_incity.by_in_city[3], cold_incity.by_in_city[2],
              cold_incity.with_district);
  double cw = total(cold_random.rate, cold_incity.rate);
  std::printf(
      "  ratios (cold, all): citywatch / floor = %.2f, citywatch / python3-maxminddb = %.1fx\n",
      cw / total(floor_random, floor_incity), cw / total(py_random, py_incity));

  // Districts: the grid index keeps 100+ districts close to the cost of one.
  const double lat0 = 52.00, lon0 = 4.18, dlat = 0.14, dlon = 0.27;
  auto one = grid_districts(1, lat0, lon0, dlat, dlon);
  auto many = grid_districts(20, lat0, lon0, dlat, dlon);
  double ns_one = district_ns(one, all, rng, 1'000'000, lat0, lon0, dlat, dlon);
  double ns_many = district_ns(many, all, rng, 1'000'000, lat0, lon0, dlat, dlon);
  double ns_wijken = district_ns(geo->districts(), all, rng, 1'000'000, lat0, lon0, dlat, dlon);
  std::printf(
      "  district lookup: 1 district %.0f ns, 400 districts %.0f ns (%.2fx), 44 Hague "
      "wijken %.0f ns\n",
      ns_one, ns_many, ns_many / ns_one, ns_wijken);
  return 0;
}
