// glibc's memmem, which Swift's Glibc module leaves out (it is a GNU extension).
#ifndef PAYRUN_BYTESEARCH_H
#define PAYRUN_BYTESEARCH_H
#include <stddef.h>

/// The first occurrence of `needle` in `haystack`, or NULL.
const void *payrun_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
