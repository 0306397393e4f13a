#pragma once
// Usage accounting across attempts: `billed` sums the last usage every attempt reported,
// `served` reports the serving attempt only.
#include <map>
#include <optional>

#include "router/config.h"
#include "wire/events.h"

namespace midstream::router {

class UsageAccountant {
 public:
  // The latest usage an attempt reported (dialects that report cumulatively overwrite).
  void record(int attempt, const wire::Usage& usage);
  // The attempt whose text finished the answer.
  void set_serving(int attempt) { serving_ = attempt; }
  // nullopt when no attempt reported usage (or the serving one did not, under `served`).
  std::optional<wire::Usage> total(UsagePolicy policy) const;
  // Forgets every attempt but the serving one (the drop-failed-usage defect).
  void drop_failed();

 private:
  std::map<int, wire::Usage> last_;
  std::optional<int> serving_;
};

}  // namespace midstream::router
