// Runs a fuzz target without libFuzzer (for gcc builds and CI): every file
// named on the command line (directories are walked one level), then a fixed
// number of deterministic mutations of each. Prints what it ran.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> expand(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  if (!S_ISDIR(st.st_mode)) return {path};
  std::vector<std::string> out;
  if (DIR* d = opendir(path.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      struct stat est {};
      std::string full = path + "/" + name;
      if (stat(full.c_str(), &est) == 0 && S_ISREG(est.st_mode) && !name.ends_with(".json")) out.push_back(full);
    }
    closedir(d);
  }
  return out;
}

void run(const std::string& s) { LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

/// Byte flips, deletions, insertions of syntax characters and truncations.
void mutateAndRun(std::string input, std::mt19937& rng, int rounds) {
  static const char kSyntax[] = "{}[]\",:/*\\x0-\n\r";
  for (int r = 0; r < rounds && !input.empty(); ++r) {
    std::string m = input;
    std::uniform_int_distribution<std::size_t> pos(0, m.size() - 1);
    switch (rng() % 4) {
      case 0: m[pos(rng)] = static_cast<char>(rng()); break;
      case 1: m.erase(pos(rng), 1 + rng() % 8); break;
      case 2: m.insert(pos(rng), 1, kSyntax[rng() % (sizeof kSyntax - 1)]); break;
      default: m.resize(pos(rng)); break;
    }
    run(m);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::mt19937 rng(20261201);
  std::size_t files = 0;
  const int rounds = 300;
  for (int i = 1; i < argc; ++i) {
    for (const auto& f : expand(argv[i])) {
      std::ifstream in(f, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (data.size() > 65536) data.resize(65536);  // keep the run short
      run(data);
      mutateAndRun(data, rng, rounds);
      ++files;
    }
  }
  std::printf("ok 1 - replayed %zu inputs and %zu mutations without a crash\n1..1\n", files,
              files * static_cast<std::size_t>(rounds));
  return 0;
}
