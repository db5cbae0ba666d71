// A plain lua_CFunction, the reference Swift-bound functions are measured against.
#ifndef BENCHSUPPORT_H
#define BENCHSUPPORT_H
#include <lua.h>

/// `increment(n)`: returns n + 1, checking its argument as a library function would.
int benchsupport_increment(lua_State *L);

#endif
