#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (compiler-rt, in every -sanitize=fuzzer link). The fuzz executables call
// it from their Swift main: SwiftPM links executables with main aliased to the module's own
// entry point, so libFuzzer's main() is never used. Only referenced in -DEDGE_FUZZING builds.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
