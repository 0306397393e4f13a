#pragma once
// Loopback ports for routers midstream starts: free ports to hand them, whether one accepts
// connections, and what a router's processes really listen on, so a router that binds another
// address than 127.0.0.1 is refused (the portkey and launch-command targets).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace midstream::targets {

// A port nobody listens on right now (for a router that takes --port N, not 0). Throws
// std::runtime_error.
uint16_t free_loopback_port();

// The first of `count` consecutive ports between 10000 and 19999 (below the kernel's ephemeral
// range) that are all free on 127.0.0.1 right now (fixed ports for a run's fakes). Throws
// std::runtime_error when none is found.
uint16_t free_loopback_block(size_t count);

// Whether 127.0.0.1:port accepts a TCP connection.
bool accepts_connections(uint16_t port);

// The processes of a process group (the pids in /proc whose group is pgid), the leader first.
std::vector<pid_t> process_group(pid_t pgid);

// Every address:port the processes listen on (TCP), from their /proc/PID/fd and /proc/net/tcp{,6}:
// "127.0.0.1:4000", "0.0.0.0:4000", "[00000000000000000000000000000000]:4000". *all_loopback says
// whether each is a loopback address (127.x, ::1, ::ffff:127.x).
std::vector<std::string> listening_addresses(const std::vector<pid_t>& pids, bool* all_loopback);

}  // namespace midstream::targets
