// `string.format` as Lua's own, except that an argument whose metatable has `__format` is asked
// how it appears under its conversion: a host's number type (payrun's decimal) then prints with
// `%.2f` and `%d` exactly, where the stock function wants a Lua number. Any call without such an
// argument is the stock function's, at the cost of a look at each argument's type.
#include "luashim.h"

#include <ctype.h>
#include <string.h>

/// The flags Lua 5.4 accepts before a conversion's width and precision.
#define FORMAT_FLAGS "-+ #0"

/// The end of the conversion spec starting at `spec` (its `%`), or NULL where it is not one this
/// reads (the stock function then says what is wrong with it).
static const char *specend(const char *spec, const char *end) {
    const char *p = spec + 1;
    while (p < end && *p != '\0' && strchr(FORMAT_FLAGS, *p) != NULL) p++;
    for (int digits = 0; digits < 2 && p < end && isdigit((unsigned char)*p); digits++) p++;
    if (p < end && *p == '.') {
        p++;
        for (int digits = 0; digits < 2 && p < end && isdigit((unsigned char)*p); digits++) p++;
    }
    return p < end ? p + 1 : NULL;
}

/// The next conversion spec in `p` .. `end` that takes an argument (`%%` takes none): its `%`,
/// with its end in `*after`; NULL when there is none, or one this does not read.
static const char *nextspec(const char *p, const char *end, const char **after) {
    for (; p < end; p++) {
        if (*p != '%') continue;
        if (p + 1 < end && p[1] == '%') {
            p++;
            continue;
        }
        *after = specend(p, end);
        return *after == NULL ? NULL : p;
    }
    return NULL;
}

/// Asks `__format` of argument `arg` for the spec `spec` (`length` bytes): a string stands for
/// the whole conversion (true: the spec becomes `%s`), a number replaces the argument, `nil,
/// message` is a bad argument, `nil` leaves the argument to the stock function.
static int ask(lua_State *L, int arg, const char *spec, size_t length) {
    if (luaL_getmetafield(L, arg, "__format") == LUA_TNIL) return 0;  // stack: ... __format
    lua_pushvalue(L, arg);
    lua_pushlstring(L, spec, length);
    lua_call(L, 2, 2);  // stack: ... result message
    int type = lua_type(L, -2);
    if (type == LUA_TNIL && lua_type(L, -1) == LUA_TSTRING) return luaL_argerror(L, arg, lua_tostring(L, -1));
    lua_pop(L, 1);
    if (type == LUA_TSTRING || type == LUA_TNUMBER) {
        lua_replace(L, arg);
        return type == LUA_TSTRING;
    }
    lua_pop(L, 1);
    return 0;
}

int luashim_string_format(lua_State *L) {
    lua_CFunction stock = lua_tocfunction(L, lua_upvalueindex(1));
    int top = lua_gettop(L);
    int asks = 0;
    for (int arg = 2; arg <= top && !asks; arg++) {
        if (lua_type(L, arg) == LUA_TUSERDATA && luaL_getmetafield(L, arg, "__format") != LUA_TNIL) {
            lua_pop(L, 1);
            asks = 1;
        }
    }
    if (!asks) return stock(L);
    size_t length;
    const char *format = luaL_checklstring(L, 1, &length);
    const char *end = format + length;
    // Which arguments' specs become `%s`: one byte each, above the arguments.
    char *asString = lua_newuserdatauv(L, (size_t)top + 1, 0);
    memset(asString, 0, (size_t)top + 1);
    int arg = 1;
    const char *after = format;
    for (const char *spec = nextspec(format, end, &after); spec != NULL && ++arg <= top; spec = nextspec(after, end, &after)) {
        if (lua_type(L, arg) == LUA_TUSERDATA) asString[arg] = (char)ask(L, arg, spec, (size_t)(after - spec));
    }
    // The format again, each spec whose argument came as a string made `%s`.
    luaL_Buffer rewritten;
    luaL_buffinit(L, &rewritten);
    arg = 1;
    const char *copied = format;
    for (const char *spec = nextspec(format, end, &after); spec != NULL && ++arg <= top; spec = nextspec(after, end, &after)) {
        if (!asString[arg]) continue;
        luaL_addlstring(&rewritten, copied, (size_t)(spec - copied));
        luaL_addstring(&rewritten, "%s");
        copied = after;
    }
    luaL_addlstring(&rewritten, copied, (size_t)(end - copied));
    luaL_pushresult(&rewritten);  // stack: arguments asString format
    lua_replace(L, 1);
    lua_settop(L, top);
    return stock(L);
}
