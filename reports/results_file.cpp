// read_results_file: a results.json from disk, with errors that start with its path.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "reports/reporter.h"

namespace midstream::reports {

RunResults read_results_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open (does the file exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": cannot read");
  const nlohmann::json document = nlohmann::json::parse(text.str(), nullptr, false);
  if (document.is_discarded()) throw std::runtime_error(path + ": not valid JSON (is it a results.json?)");
  try {
    return results_from_json(document);
  } catch (const std::exception& error) {
    throw std::runtime_error(path + ": not a midstream results file: " + error.what());
  }
}

}  // namespace midstream::reports
