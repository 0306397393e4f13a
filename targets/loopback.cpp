#include "targets/loopback.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "targets/child_process.h"

namespace midstream::targets {
namespace {

namespace fs = std::filesystem;

// Binds 127.0.0.1:port (0: any); the bound port, or 0 when the bind failed.
uint16_t try_bind(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + errno_text(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

// The low end of the kernel's ephemeral range (ports it hands to outgoing connections).
uint16_t ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  long low = 32768;
  in >> low;
  return static_cast<uint16_t>(std::clamp(low, 2048L, 65535L));
}

std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    const auto target = fs::read_symlink(entry.path(), error).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// "0100007F" -> 127.0.0.1 (little-endian on x86 and arm64); an IPv6 address stays hex in brackets.
std::string address_text(const std::string& hex, bool* loopback) {
  if (hex.size() == 8) {
    const uint32_t raw = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
    *loopback = (raw & 0xff) == 127;
    return std::to_string(raw & 0xff) + "." + std::to_string((raw >> 8) & 0xff) + "." +
           std::to_string((raw >> 16) & 0xff) + "." + std::to_string(raw >> 24);
  }
  *loopback = hex == "00000000000000000000000001000000" ||                               // ::1
              (hex.substr(0, 24) == "0000000000000000FFFF0000" && hex.substr(30, 2) == "7F");  // ::ffff:127.x
  return "[" + hex + "]";
}

}  // namespace

uint16_t free_loopback_port() {
  const uint16_t port = try_bind(0);
  if (port == 0) throw std::runtime_error("cannot find a free loopback port: " + errno_text(errno));
  return port;
}

uint16_t free_loopback_block(size_t count) {
  // 10000-19999: below the ephemeral range and apart from the 20000-29999 the tests pick from.
  const size_t high = std::min<size_t>(20'000, ephemeral_low());
  const size_t low = 10'000;
  if (count == 0 || low + count >= high) throw std::runtime_error("no block of " + std::to_string(count) + " ports");
  std::random_device seed;
  std::mt19937 random(seed());
  std::uniform_int_distribution<size_t> start(low, high - count);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const size_t base = start(random);
    bool free = true;
    for (size_t p = base; free && p < base + count; ++p) free = try_bind(static_cast<uint16_t>(p)) != 0;
    if (free) return static_cast<uint16_t>(base);
  }
  throw std::runtime_error("cannot find " + std::to_string(count) + " consecutive free loopback ports below " +
                           std::to_string(high));
}

bool accepts_connections(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::vector<pid_t> process_group(pid_t pgid) {
  std::vector<pid_t> members = {pgid};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    std::string state;
    long parent = 0, group = 0;
    fields >> state >> parent >> group;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (group == pgid && pid != pgid) members.push_back(pid);
  }
  return members;
}

std::vector<std::string> listening_addresses(const std::vector<pid_t>& pids, bool* all_loopback) {
  std::set<std::string> inodes;
  for (const pid_t pid : pids) inodes.merge(socket_inodes(pid));
  std::vector<std::string> out;
  *all_loopback = true;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state != "0A" || !inodes.count(inode)) continue;  // 0A: LISTEN
      const auto colon = local.find(':');
      bool loopback = false;
      const std::string address = address_text(local.substr(0, colon), &loopback);
      *all_loopback = *all_loopback && loopback;
      const std::string entry = address + ":" + std::to_string(std::stoi(local.substr(colon + 1), nullptr, 16));
      if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(entry);
    }
  }
  return out;
}

}  // namespace midstream::targets
