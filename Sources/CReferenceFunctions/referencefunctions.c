// The C functions Swift-bound functions are compared with.
#include "referencefunctions.h"
#include <lauxlib.h>

int reference_increment(lua_State *L) {
    lua_Integer n = luaL_checkinteger(L, 1);
    lua_pushinteger(L, n + 1);
    return 1;
}

int reference_pass(lua_State *L) {
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);  // stack: results...
    return lua_gettop(L);
}

int reference_fail(lua_State *L) {
    lua_settop(L, 1);
    return lua_error(L);
}
