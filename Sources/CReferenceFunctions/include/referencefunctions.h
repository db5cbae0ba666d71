// Plain lua_CFunctions, the reference Swift-bound functions are held against: in speed by the
// benchmarks, in behaviour by the tests. Not part of any product.
#ifndef REFERENCEFUNCTIONS_H
#define REFERENCEFUNCTIONS_H
#include <lua.h>

/// `increment(n)`: returns n + 1, checking its argument as a library function would.
int reference_increment(lua_State *L);
/// `pass(f, ...)`: calls f with the other arguments and returns all its results.
int reference_pass(lua_State *L);
/// `fail(v)`: raises v as it is.
int reference_fail(lua_State *L);

#endif
