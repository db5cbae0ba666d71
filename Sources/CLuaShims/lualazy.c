// Tables filled on first use: an empty table with a metatable that fills it from a Swift object
// the first time anything reads it, then leaves it an ordinary table. A page of a thousand
// records a loop only counts then costs a thousand empty tables, not a thousand filled ones.
// Everything that can look inside a table without metamethods (the raw functions here, LuaKit's
// raw reads) fills it first, so no script sees the difference.
#include "luashim.h"

static const char lazy_key = 0;
static luashim_lazyfill lazy_fill = NULL;

void luashim_setlazyfill(luashim_lazyfill fill) { lazy_fill = fill; }

void luashim_filliflazy(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE || !lua_checkstack(L, 4)) return;
    index = lua_absindex(L, index);
    if (!lua_getmetatable(L, index)) return;                  // stack: ... mt
    if (lua_rawgetp(L, -1, &lazy_key) != LUA_TUSERDATA) {    // stack: ... mt filler
        lua_pop(L, 2);
        return;
    }
    // Off first: whatever the fill reads of the table, it reads raw, and it is filled once.
    lua_pushnil(L);
    lua_setmetatable(L, index);
    void *context = luashim_userdatacontext(L, -1);          // held by the userdata on the stack
    if (context != NULL && lazy_fill != NULL) {
        luashim_host *host = luashim_gethost(L);
        int allowance = host->host_allowance;
        host->host_allowance = 1;  // the fill's pushes may pass the script's memory cap: it never raises
        lazy_fill(L, index, context);
        host->host_allowance = allowance;
    }
    lua_pop(L, 2);
}

// MARK: - The raw accessors, as the base library's but filling first

static int lazy_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luashim_filliflazy(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int lazy_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luashim_filliflazy(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int lazy_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    luashim_filliflazy(L, 1);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int lazy_rawlen(lua_State *L) {
    int type = lua_type(L, 1);
    luaL_argexpected(L, type == LUA_TTABLE || type == LUA_TSTRING, 1, "table or string");
    luashim_filliflazy(L, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

static int lazy_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    luashim_filliflazy(L, 1);
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

// Returns `next`, the table, nil: what `pairs` gives for a table without `__pairs`.
static int iterate_raw(lua_State *L) {
    lua_pushcfunction(L, lazy_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int lazy_pairs_continued(lua_State *L, int status, lua_KContext context) {
    (void)L; (void)status; (void)context;
    return 3;
}

// `pairs` as the base library's, but its iterator for a table without `__pairs` is the `next`
// above: the stock one would hand a script a `next` that does not fill (`pairs({})`).
static int lazy_pairs_global(lua_State *L) {
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") == LUA_TNIL) return iterate_raw(L);
    lua_pushvalue(L, 1);
    lua_callk(L, 1, 3, 0, lazy_pairs_continued);
    return 3;
}

// MARK: - The metamethods

// `__index`, `__newindex` and `__len` are `rawget`, `rawset` and `rawlen` above: each fills the
// table, whose metatable then is gone, and reads or writes it raw. `__pairs` is this.
static int lazy_pairs(lua_State *L) {
    luashim_filliflazy(L, 1);
    return iterate_raw(L);
}

void luashim_pushlazymetatable(lua_State *L) {
    lua_createtable(L, 0, 5);                // stack: ... filler mt
    lua_insert(L, -2);                       // stack: ... mt filler
    lua_rawsetp(L, -2, &lazy_key);           // stack: ... mt
    lua_pushcfunction(L, lazy_rawget);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lazy_rawset);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, lazy_rawlen);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, lazy_pairs);
    lua_setfield(L, -2, "__pairs");
}

void luashim_openlazytables(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"next", lazy_next}, {"rawget", lazy_rawget}, {"rawset", lazy_rawset}, {"rawlen", lazy_rawlen},
        {"getmetatable", lazy_getmetatable}, {"pairs", lazy_pairs_global}, {NULL, NULL},
    };
    lua_pushglobaltable(L);
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
