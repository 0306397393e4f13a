// The soak's verdict over its plain values (soak_results.h).
#include "reports/soak_results.h"

namespace midstream::reports {

bool SoakReport::passed() const {
  return streams_run > 0 && violating_streams == 0 && !fds_leaked() && !threads_leaked() && !rss_unbounded;
}

}  // namespace midstream::reports
