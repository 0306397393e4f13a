#pragma once
// What `--filter` selects. Scenario ids are dotted numbers ("7.1.1"), so a selector made of
// digits and dots means ids: that id exactly, or every id below it on dot boundaries ("7.1"
// selects 7.1.1 to 7.1.12, never 7.10.1 or 17.1.1). With glob characters (* ? [ ]) and no
// letters it is a glob over ids ("3.*" selects category 3 only). Anything with a letter is a
// glob over the file name ("*reset*"; a selector without glob characters matches anywhere in
// the name).
#include <string>

namespace midstream::harness {

bool selects(const std::string& selector, const std::string& id, const std::string& file);

}  // namespace midstream::harness
