// libFuzzer target: payrun's pattern matcher (Sources/CLuaShims/luapattern.c) against stock Lua
// 5.4's, in the same binary. The input is a function (find, match, gmatch, gsub), a start, a
// pattern and a subject; both matchers run it in a state of their own, and their results — the
// positions, captures, position captures and gsub counts, or the fact that both raised — must
// be the same. Built with AddressSanitizer and UndefinedBehaviorSanitizer by scripts/fuzz.sh.
#include "luashim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int luashim_stopstate_create(luashim_host *host, lua_State *main);

// Runs the chunk in `L` and returns what it gave (a description of every result), malloc'ed.
static const char *runner =
    "local name, subject, pattern, init = ...\n"
    "local f = string[name]\n"
    "local out = {}\n"
    "local function add(...) for i = 1, select('#', ...) do out[#out + 1] = math.type(select(i, ...)) or type(select(i, ...)); out[#out + 1] = tostring(select(i, ...)) end; out[#out + 1] = '|' end\n"
    "local ok, err = pcall(function()\n"
    "  if name == 'gmatch' then\n"
    "    local n = 0\n"
    "    for a, b, c in string.gmatch(subject, pattern, init) do add(a, b, c); n = n + 1; if n > 64 then break end end\n"
    "  elseif name == 'gsub' then\n"
    "    add(string.gsub(subject, pattern, '<%0>', init > 0 and init or nil))\n"
    "  else\n"
    "    add(f(subject, pattern, init))\n"
    "  end\n"
    "end)\n"
    "if not ok then return 'raised' end\n"
    "return table.concat(out, ' ')\n";

static lua_State *make_state(int payrun, luashim_host *host) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (payrun) {
        memset(host, 0, sizeof *host);
        if (luashim_stopstate_create(host, L) != 0) abort();
        *(luashim_host **)lua_getextraspace(L) = host;
        lua_getglobal(L, "string");
        lua_pushcfunction(L, luashim_string_find); lua_setfield(L, -2, "find");
        lua_pushcfunction(L, luashim_string_match); lua_setfield(L, -2, "match");
        lua_pushcfunction(L, luashim_string_gmatch); lua_setfield(L, -2, "gmatch");
        lua_pushcfunction(L, luashim_string_gsub); lua_setfield(L, -2, "gsub");
        lua_pop(L, 1);
    }
    if (luaL_loadstring(L, runner) != LUA_OK) abort();
    lua_setglobal(L, "runner");
    return L;
}

static char *run(lua_State *L, const char *name, const char *subject, size_t ls, const char *pattern, size_t lp, long init) {
    lua_getglobal(L, "runner");
    lua_pushstring(L, name);
    lua_pushlstring(L, subject, ls);
    lua_pushlstring(L, pattern, lp);
    lua_pushinteger(L, init);
    if (lua_pcall(L, 4, 1, 0) != LUA_OK) return strdup("runner failed");
    char *result = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return result;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    static lua_State *stock, *ours;
    static luashim_host host;
    if (!stock) {
        stock = make_state(0, NULL);
        ours = make_state(1, &host);
    }
    // [function and start][pattern length][pattern][subject]: short, so that stock Lua's
    // backtracking (which nothing stops) stays within libFuzzer's time per input.
    if (size < 2) return 0;
    static const char *names[] = {"find", "match", "gmatch", "gsub"};
    const char *name = names[data[0] & 3];
    long init = (long)((signed char)data[0] >> 2);  // -32..31
    size_t lp = data[1] % 24;
    if (size - 2 < lp) return 0;
    const char *pattern = (const char *)data + 2;
    const char *subject = pattern + lp;
    size_t ls = size - 2 - lp;
    if (ls > 32) ls = 32;
    // Stock Lua backtracks without limit (nothing stops it; ours counts its steps): more than
    // four quantifiers over 32 bytes can take minutes there, which says nothing about ours.
    int quantifiers = 0;
    for (size_t i = 0; i < lp; i++) {
        if (pattern[i] == '%') i++;
        else if (strchr("*+-?", pattern[i]) && pattern[i] != 0) quantifiers++;
    }
    if (quantifiers > 4) return 0;
    char *a = run(stock, name, subject, ls, pattern, lp, init);
    char *b = run(ours, name, subject, ls, pattern, lp, init);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "MISMATCH %s(subject %zu bytes, pattern %zu bytes, init %ld)\n stock Lua: %s\n payrun:    %s\n", name, ls, lp, init, a, b);
        abort();
    }
    free(a);
    free(b);
    lua_settop(stock, 0);
    lua_settop(ours, 0);
    lua_gc(stock, LUA_GCSTEP, 0);
    lua_gc(ours, LUA_GCSTEP, 0);
    return 0;
}
