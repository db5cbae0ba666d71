// The C side of benchmark 1: the same work as the Swift function it is compared with.
#include "benchsupport.h"
#include <lauxlib.h>

int benchsupport_increment(lua_State *L) {
    lua_Integer n = luaL_checkinteger(L, 1);
    lua_pushinteger(L, n + 1);
    return 1;
}
