// fuzz/replay_main.cpp: the main a fuzz target links when libFuzzer is not there (g++ builds).
// Runs LLVMFuzzerTestOneInput once over every file named on the command line or found under a
// directory named there, so saved crash inputs and seeds replay as an ordinary test. A target
// that finds a bug aborts, as under libFuzzer; this main only fails for unreadable paths.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// Dot files (.gitkeep, editor swap files) are not inputs; .gitkeep holds an empty regression
// directory in git so the replay test always finds it.
bool is_input(const fs::directory_entry& entry) {
  return entry.is_regular_file() && entry.path().filename().string().front() != '.';
}

bool replay(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes;
  char chunk[4096];
  while (in.read(chunk, sizeof chunk), in.gcount() > 0) {
    bytes.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (!in.is_open() || in.bad()) {
    std::fprintf(stderr, "fuzz replay: cannot read %s\n", path.c_str());
    return false;
  }
  // An allocation of exactly the input's size, as libFuzzer makes, so ASan sees a read past
  // the end.
  auto data = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), data.get());
  // Named before the run: a crash report then ends right after the input that caused it.
  std::fprintf(stderr, "fuzz replay: %s\n", path.c_str());
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 64;
  }
  std::size_t runs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      // Sorted, so every run replays in the same order.
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (is_input(entry)) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        ok &= replay(file);
        ++runs;
      }
    } else if (fs::is_regular_file(arg, ec)) {
      ok &= replay(arg);
      ++runs;
    } else {
      // A missing directory would otherwise make the test pass without replaying anything.
      std::fprintf(stderr, "fuzz replay: no such file or directory: %s\n", argv[i]);
      ok = false;
      continue;
    }
    if (ec) {
      std::fprintf(stderr, "fuzz replay: %s: %s\n", argv[i], ec.message().c_str());
      ok = false;
    }
  }
  std::printf("fuzz replay: %zu inputs\n", runs);
  return ok ? 0 : 1;
}
