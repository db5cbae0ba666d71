// The Lua half of the sandbox: run once in each new state, after the allowed libraries are open
// and before any script, it removes and wraps what a script must not reach.

enum SandboxPrelude {
    /// Called with the strict-globals metatable (or nil when strictness is off), the `payrun`
    /// library table, the host's `setmetatable` that refuses `__gc`, the table where `require`
    /// finds the built-in modules, and the names of the globals a host added (locked the same way).
    static let source = #"""
    local strict_globals, payrun_library, sandbox_setmetatable, loaded, host_libraries = ...
    local error, ipairs, next, select, tostring =
          error, ipairs, next, select, tostring
    local host_load, host_collect, host_set, host_get = load, collectgarbage, setmetatable, getmetatable

    -- Files and bytecode: a script loads text chunks only, never from disk by itself.
    dofile, loadfile = nil, nil
    -- Bytecode out is no use without bytecode in: said as a removed global is.
    function string.dump()
      error("'string.dump' is not available in payrun scripts: they load text chunks only, never bytecode", 2)
    end
    function load(chunk, name, mode, ...)
      if mode ~= nil and mode ~= "t" then
        error("bad argument #3 to 'load' (payrun scripts load text chunks only, not \"" .. tostring(mode) .. "\")", 2)
      end
      if select("#", ...) == 0 then return host_load(chunk, name, "t") end
      return host_load(chunk, name, "t", (...))
    end

    -- The collector is payrun's: a script may read how much memory it uses, not stop or steer it.
    function collectgarbage(option, ...)
      if option == "count" then return host_collect("count") end
      error("bad argument #1 to 'collectgarbage' (payrun scripts may only ask for \"count\", not \""
        .. tostring(option or "collect") .. "\")", 2)
    end

    -- Finalisers run where limits cannot reach them, so scripts may not set any.
    setmetatable = sandbox_setmetatable

    -- Time and dates only: no environment (it holds secrets), no processes, no files.
    local host_os = os
    os = { clock = host_os.clock, date = host_os.date, difftime = host_os.difftime, time = host_os.time }
    io, package, debug = nil, nil, nil

    -- Libraries are read through locked tables: a script can use them, not change them for
    -- code that runs after it. Reading them stays as fast as reading the library itself.
    -- `rawset` skips `__newindex`: it refuses the locked tables by name.
    local locked = host_set({}, { __mode = "k" })
    do
      local rawset, type = rawset, type
      _G.rawset = function(...)
        local t, key = ...
        -- Its own argument errors said where the script called it, as rawset's are.
        local given = select("#", ...)
        if type(t) ~= "table" then
          error(("bad argument #1 to 'rawset' (table expected, got %s)"):format(given == 0 and "no value" or type(t)), 2)
        elseif given < 3 then
          error(("bad argument #%d to 'rawset' (value expected)"):format(given + 1), 2)
        end
        local name = locked[t]
        if name ~= nil then
          error(("cannot change %s.%s: the built-in libraries are read-only"):format(name, tostring(key)), 2)
        end
        return (rawset(...))
      end
    end
    local function lock(name, library, strict)
      local proxy = host_set({}, {
        __index = strict and function(_, key)
          local value = library[key]
          if value == nil then
            error(("%s has no field '%s'"):format(name, tostring(key)), 2)
          end
          return value
        end or library,
        __newindex = function(_, key)
          error(("cannot change %s.%s: the built-in libraries are read-only"):format(name, tostring(key)), 2)
        end,
        __pairs = function() return next, library, nil end,
        __metatable = name,
        -- For payrun repl's completion, which lists fields without calling __index.
        __library = library,
      })
      locked[proxy] = name
      return proxy
    end
    for _, name in ipairs({ "coroutine", "math", "os", "string", "table", "utf8" }) do
      _G[name] = lock(name, _G[name], false)
      loaded[name] = _G[name]
    end
    -- A missing field of payrun's own tables is an error, as an undefined global is; --no-strict
    -- turns both off.
    local strict = strict_globals ~= nil
    payrun_library.json = lock("payrun.json", payrun_library.json, strict)
    payrun_library.decimal.rounding = lock("payrun.decimal.rounding", payrun_library.decimal.rounding, strict)
    payrun_library.decimal = lock("payrun.decimal", payrun_library.decimal, strict)
    payrun_library.webhook = lock("payrun.webhook", payrun_library.webhook, strict)
    payrun = lock("payrun", payrun_library, strict)
    loaded["payrun"], loaded["payrun.json"], loaded["payrun.decimal"] = payrun, payrun_library.json, payrun_library.decimal
    for _, name in ipairs(host_libraries) do
      _G[name] = lock(name, _G[name], strict)
      loaded[name] = _G[name]
    end

    -- The string metatable is shared by every string: hide it.
    host_get("").__metatable = "string"

    if strict_globals then host_set(_G, strict_globals) end
    """#
}
