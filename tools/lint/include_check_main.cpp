// ringbid-include-check SOURCE_DIR: checks every C++ file of the tree against
// the layering rules (tools/lint/include_rules.hpp). Prints each violation and
// exits 1 when there is any; ctest runs it.

#include "tools/lint/include_rules.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::cerr << "usage: ringbid-include-check SOURCE_DIR\n";
    return 2;
  }
  fs::path root{argv[1]};
  std::vector<fs::path> files;
  for (const char* top : {"protocol", "actors", "adapters", "web", "tools", "tests"}) {
    std::error_code ec;
    if (!fs::is_directory(root / top, ec)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".cpp" || ext == ".hpp") &&
          entry.path().string().find("node_modules") == std::string::npos)
        files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  size_t violations = 0;
  for (const auto& file : files) {
    std::ifstream in{file};
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& v : ringbid::lint::check_includes(fs::relative(file, root).generic_string(), text.str())) {
      std::cout << ringbid::lint::to_string(v) << '\n';
      ++violations;
    }
  }
  std::cout << files.size() << " files checked, " << violations << " include violations\n";
  return violations == 0 ? 0 : 1;
}
