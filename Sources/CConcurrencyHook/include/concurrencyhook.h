// Swift's concurrency runtime's hook for enqueueing jobs on the global executor.
#ifndef PAYRUN_CONCURRENCYHOOK_H
#define PAYRUN_CONCURRENCYHOOK_H
#include <stdbool.h>

/// Sets `swift_task_enqueueGlobal_hook` to `hook` if no hook is set, atomically; whether it did.
/// NIO looks the hook up with dlsym, which cannot see it in a `--static-swift-stdlib` build: the
/// runtime's symbols are linked in but not exported. Here the linker finds it.
bool payrun_install_enqueue_global_hook(const void *_Nonnull hook);

#endif
