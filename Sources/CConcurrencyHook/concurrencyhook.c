#include "concurrencyhook.h"

// Declared by Swift's concurrency runtime (swift/Runtime/Concurrency.h) as a pointer to a
// swiftcall function taking the job and the original enqueue function.
extern const void *swift_task_enqueueGlobal_hook;

bool payrun_install_enqueue_global_hook(const void *hook) {
    const void *none = 0;
    return __atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &none, hook, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
