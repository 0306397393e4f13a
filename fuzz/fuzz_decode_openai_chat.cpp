// The openai-chat stream decoder on untrusted provider bytes (fuzz/decoder_common.h says what is
// exercised and asserted). Seeds: the recorded streams in tests/fixtures/openai-chat.
#include "fuzz/decoder_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  midstream::fuzz::fuzz_decoder(midstream::wire::Dialect::OpenAIChat, data, size);
  return 0;
}
