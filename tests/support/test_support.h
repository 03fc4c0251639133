// tests/support/test_support.h: what many tests need: the shared test data (skipping with the
// file's name when absent), a temporary directory removed afterwards, and running the citywatch
// binary (or any program) with captured output and exit status.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace citywatch::testing {

// Absolute path of a file under CITYWATCH_TEST_DATA, or nullopt when it is not there.
std::optional<std::string> test_data(const std::string& relative);

// Skips the current test, naming the missing file, when the data is absent.
#define CITYWATCH_REQUIRE_DATA(var, relative)                                  \
  auto var##_opt = ::citywatch::testing::test_data(relative);                  \
  if (!var##_opt) {                                                            \
    GTEST_SKIP() << "test data not found: " << relative                        \
                 << " (set CITYWATCH_TEST_DATA to the shared data directory)"; \
  }                                                                            \
  const std::string var = *var##_opt

std::string source_path(const std::string& relative);
std::string citywatch_binary();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
// gzip-compresses content into path (a real .gz member, as gzip(1) writes it).
void write_gzip(const std::string& path, const std::string& content);

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, stdin from `input`, waiting for it to finish.
RunResult run(const std::vector<std::string>& argv, const std::string& input = {});
// Runs the citywatch binary.
RunResult citywatch(const std::vector<std::string>& args, const std::string& input = {});

// Starts a process with stdout/stderr to /dev/null; returns its pid.
pid_t spawn(const std::vector<std::string>& argv);

}  // namespace citywatch::testing
