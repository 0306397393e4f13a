// The `nginx` target: Debian's nginx as a plain reverse proxy in front of a scenario's
// deployments (peers/nginx/nginx.conf.in, filled by nginx_config.*), as a launch-command target
// (command_target.h) run from a temp prefix, never touching /etc/nginx or /var.
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <stdexcept>

#include "targets/command_target.h"
#include "targets/registry.h"
#include "targets/host_tools.h"

namespace midstream::targets {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSbin = {"/usr/sbin", "/sbin", "/usr/local/sbin"};

// "1.22.1" from `nginx -v` ("nginx version: nginx/1.22.1" on stderr), or "" when it does not say.
std::string nginx_version(const std::string& nginx) {
  const std::string log = (fs::temp_directory_path() / ("midstream-nginx-version-" + std::to_string(::getpid()))).string();
  run_logged({nginx, "-v"}, log);
  const std::string output = read_file(log);
  std::error_code ignored;
  fs::remove(log, ignored);
  std::smatch match;
  static const std::regex kVersion(R"(nginx/([0-9][0-9.]*))");
  return std::regex_search(output, match, kVersion) ? match[1].str() : "";
}

}  // namespace

TargetFactory nginx_target(NginxTargetOptions o) {
  const std::string nginx = find_program(o.executable, kSbin);
  if (nginx.empty())
    throw std::runtime_error("nginx target: cannot find " + o.executable +
                             " (on PATH or in /usr/sbin; Debian: apt-get install nginx)");
  if (o.template_path.empty()) o.template_path = (fs::path(data_paths().peers) / "nginx" / "nginx.conf.in").string();
  const std::string text = read_file(o.template_path);
  if (text.empty()) throw std::runtime_error("nginx target: cannot read the config template " + o.template_path);
  const std::string version = nginx_version(nginx);

  CommandTargetOptions c;
  c.name = "nginx";
  c.description = "nginx " + (version.empty() ? "(version unknown)" : version) +
                  " as a reverse proxy (proxy_next_upstream, proxy_buffering off; peers/nginx)";
  c.command = "'" + nginx + "' -p {dir} -c {config} -e stderr -g 'daemon off;'";
  c.format = nginx_format(text);
  c.ready_timeout = o.ready_timeout;
  c.program_dirs = kSbin;
  return command_target(std::move(c));
}

}  // namespace midstream::targets
